import Foundation
import Pruning

/// The masks `scripts/torch_pruning_fixtures.py` computed with PyTorch for Simple-CNN.
struct PruningFixture {
  struct Section: Decodable {
    var offset: Int
    var count: Int
    var dtype: String
  }

  struct Case: Decodable {
    var name: String
    var method: String
    var configuration: [String: ConfigurationValue]
    var mask64: String
    var mask32: String
    var kept64: Int
    var kept32: Int
  }

  /// A configuration value: a string or a number.
  enum ConfigurationValue: Decodable {
    case text(String)
    case number(Double)

    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let number = try? container.decode(Double.self) {
        self = .number(number)
      } else {
        self = .text(try container.decode(String.self))
      }
    }
  }

  struct Metadata: Decodable {
    var format: String
    var version: Int
    var mean: Float
    var std: Float
    var batchSize: Int
    var sections: [String: Section]
    var cases: [Case]
  }

  var metadata: Metadata
  var blob: Data

  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

  static func load() throws -> PruningFixture {
    let json = try Data(contentsOf: directory.appendingPathComponent("simple_cnn_pruning.json"))
    let blob = try Data(contentsOf: directory.appendingPathComponent("simple_cnn_pruning.bin"))
    return PruningFixture(
      metadata: try JSONDecoder().decode(Metadata.self, from: json), blob: blob)
  }

  private func bytes(_ name: String) throws -> (Section, Data) {
    guard let section = metadata.sections[name] else { throw FixtureError.missing(name) }
    let size = section.dtype == "uint8" ? 1 : section.dtype == "float32" ? 4 : 8
    let start = blob.startIndex + section.offset
    return (section, blob[start..<(start + section.count * size)])
  }

  /// A section's little-endian words, as bit patterns.
  private func words<Word: UnsignedInteger & FixedWidthInteger>(
    _ name: String, as _: Word.Type
  ) throws -> [Word] {
    let (section, data) = try bytes(name)
    let size = MemoryLayout<Word>.size
    return (0..<section.count).map { index in
      let offset = data.startIndex + index * size
      return data[offset..<(offset + size)].reversed().reduce(Word(0)) { $0 << 8 | Word($1) }
    }
  }

  func floats(_ name: String) throws -> [Float] {
    try words(name, as: UInt32.self).map(Float.init(bitPattern:))
  }

  func doubles(_ name: String) throws -> [Double] {
    try words(name, as: UInt64.self).map(Double.init(bitPattern:))
  }

  func uint8s(_ name: String) throws -> [UInt8] { Array(try bytes(name).1) }

  /// The 200 images, normalised in Float exactly as the script does, in batches of 100.
  func batches() throws -> [PruningBatch] {
    let pixels = try uint8s("pixels")
    let labels = try uint8s("labels").map(Int.init)
    let images = pixels.map { (Float($0) / 255 - metadata.mean) / metadata.std }
    let all = PruningBatch(images: images, labels: labels, imageShape: (1, 28, 28))
    return stride(from: 0, to: all.count, by: metadata.batchSize).map {
      all.slice($0..<min($0 + metadata.batchSize, all.count))
    }
  }

  /// Decodes the script's little-endian packed bits into a 0/1 mask.
  static func mask(hex: String, count: Int) -> [Float] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
      index = next
    }
    return (0..<count).map { Float((bytes[$0 / 8] >> UInt8($0 % 8)) & 1) }
  }

  /// The Pruning configuration a case describes.
  static func configuration(of fixtureCase: Case) throws -> PruningConfiguration {
    func text(_ key: String) throws -> String {
      guard case .text(let value) = fixtureCase.configuration[key] else {
        throw FixtureError.missing(key)
      }
      return value
    }
    func number(_ key: String) -> Double? {
      guard case .number(let value) = fixtureCase.configuration[key] else { return nil }
      return value
    }
    let examplesText = try text("examples")
    let parts = examplesText.split(separator: ":")
    let examples: PruningConfiguration.Examples
    switch parts.first {
    case "all": examples = .all
    case "count": examples = .count(Int(parts[1]) ?? 0)
    case "perClass": examples = .perClass(Int(parts[1]) ?? 0)
    default: throw FixtureError.missing(examplesText)
    }
    guard let method = PruningConfiguration.Method(rawValue: fixtureCase.method),
      let prunable = PruningConfiguration.PrunableSet(rawValue: try text("prunable")),
      let scope = PruningConfiguration.Scope(rawValue: try text("scope")),
      let sparsity = number("sparsity")
    else { throw FixtureError.missing(fixtureCase.name) }
    return PruningConfiguration(
      method: method, examples: examples, prunable: prunable, scope: scope,
      temperature: number("temperature"), sparsity: sparsity)
  }
}

enum FixtureError: Error {
  case missing(String)
}
