import Foundation
import WorkloadModel

/// The `metaparameters_json` column: a JSON object in canonical order, written and read here.
///
/// The store writes it itself, always as `{"name":number,...}`, so the bulk read parses it with a
/// split instead of a JSON decoder: 100,000 decodes would cost more than the rest of the read.
enum MetaparameterText {
  static func encode(_ values: [Metaparameter: Double]) -> String {
    let fields = values.keys.sorted().map { key in
      "\"\(key.rawValue)\":\(number(values[key] ?? .nan))"
    }
    return "{" + fields.joined(separator: ",") + "}"
  }

  /// Parses what `encode` wrote; unknown names are skipped, a malformed text gives `[:]`.
  static func decode(_ text: String) -> [Metaparameter: Double] {
    var result: [Metaparameter: Double] = [:]
    let body = text.dropFirst().dropLast()
    for field in body.split(separator: ",") {
      let parts = field.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let name = parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
      guard let key = Metaparameter(rawValue: name) else { continue }
      let raw = parts[1].trimmingCharacters(in: .whitespaces)
      result[key] = raw == "null" ? .nan : Double(raw)
    }
    return result
  }

  /// Shortest round-trip text; JSON has no NaN or infinity, so those are null.
  private static func number(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
  }
}
