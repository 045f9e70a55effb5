import Foundation
import StepwiseTestSupport
import Testing
import WorkloadLoading

/// grammar/workload.schema.json and the checker must accept the same keys in every mapping.
struct SchemaSyncTests {
  static let schemaPath = Golden.directory(of: #filePath) + "/../../grammar/workload.schema.json"

  /// The object at a JSON-pointer-like path of property names, following `$ref`, `oneOf` arms
  /// and `items` until an object with `properties` is found.
  static func properties(_ node: Any?, root: [String: Any]) -> Set<String>? {
    guard var object = node as? [String: Any] else { return nil }
    if let ref = object["$ref"] as? String, ref.hasPrefix("#/definitions/"),
      let defs = root["definitions"] as? [String: Any]
    {
      object = defs[String(ref.dropFirst("#/definitions/".count))] as? [String: Any] ?? [:]
    }
    if let props = object["properties"] as? [String: Any] { return Set(props.keys) }
    if let arms = object["oneOf"] as? [Any] {
      let found = arms.compactMap { properties($0, root: root) }
      return found.isEmpty ? nil : found.reduce(into: Set<String>()) { $0.formUnion($1) }
    }
    if let items = object["items"] { return properties(items, root: root) }
    return nil
  }

  static func walk(_ path: String, root: [String: Any]) -> Any? {
    var node: Any? = root
    for part in path.split(separator: ".") where !part.isEmpty {
      var object = node as? [String: Any] ?? [:]
      while true {
        if let ref = object["$ref"] as? String, let defs = root["definitions"] as? [String: Any] {
          object = defs[String(ref.dropFirst("#/definitions/".count))] as? [String: Any] ?? [:]
        } else if object["properties"] == nil, let items = object["items"] as? [String: Any] {
          object = items
        } else {
          break
        }
      }
      if object["properties"] == nil, let arms = object["oneOf"] as? [Any] {
        object =
          arms.compactMap { $0 as? [String: Any] }.first {
            ($0["properties"] as? [String: Any])?[String(part)] != nil
          } ?? [:]
      }
      node = (object["properties"] as? [String: Any])?[String(part)]
    }
    return node
  }

  @Test func schemaKeysEqualCheckerKeys() throws {
    let data = try #require(FileManager.default.contents(atPath: Self.schemaPath))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    for (section, keys) in WorkloadGrammar.keys {
      let schemaPath: String
      switch section {
      case "optimizer.search.dimension": schemaPath = "optimizer.search.learning_rate"
      case let s where s.hasPrefix("model.layers."): schemaPath = "model.layers." + s.dropFirst(13)
      default: schemaPath = section
      }
      let node = section.isEmpty ? root : Self.walk(schemaPath, root: root)
      let schemaKeys: Set<String>?
      if section == "optimizer.search.dimension", let n = node as? [String: Any],
        let arms = n["oneOf"] as? [Any]
      {
        schemaKeys = arms.compactMap { Self.properties($0, root: root) }.reduce(into: Set<String>())
        { $0.formUnion($1) }
      } else {
        schemaKeys = Self.properties(node, root: root)
      }
      #expect(schemaKeys == Set(keys), "section '\(section)'")
    }
  }
}

/// The schema checked by a real JSON Schema validator (Debian python3-jsonschema and
/// python3-yaml): it accepts workloads/ and rejects grammar/bad-examples/.
struct SchemaValidatorTests {
  static let python = "/usr/bin/python3"
  static let script = Golden.directory(of: #filePath) + "/../../scripts/check-schema.py"

  static var validatorAvailable: Bool {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: python)
    probe.arguments = ["-c", "import jsonschema, yaml"]
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
  }

  @Test(.enabled(if: validatorAvailable, "needs python3-jsonschema and python3-yaml"))
  func schemaAcceptsGoodAndRejectsBadWorkloads() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.python)
    process.arguments = [Self.script]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(output)")
    #expect(output.contains("rejected"))
  }
}
