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

  /// Parses what `encode` wrote; unknown names are skipped, a malformed text gives what could
  /// be read. Works on the UTF-8 bytes: a bulk read decodes one text per trial, and Foundation's
  /// trimming made this two thirds of reading a 100,000-trial study.
  static func decode(_ text: String) -> [Metaparameter: Double] {
    var result: [Metaparameter: Double] = [:]
    var text = text
    text.withUTF8 { bytes in
      var i = 0
      let n = bytes.count
      while i < n {
        // A field: optional spaces, "name", optional spaces, ':', the number up to ',' or '}'.
        while i < n && bytes[i] != UInt8(ascii: "\"") { i += 1 }
        let nameStart = i + 1
        i = nameStart
        while i < n && bytes[i] != UInt8(ascii: "\"") { i += 1 }
        guard i < n else { break }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<i]), as: UTF8.self)
        i += 1
        while i < n && (bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: ":")) { i += 1 }
        let valueStart = i
        while i < n && bytes[i] != UInt8(ascii: ",") && bytes[i] != UInt8(ascii: "}") { i += 1 }
        var valueEnd = i
        while valueEnd > valueStart && bytes[valueEnd - 1] == UInt8(ascii: " ") { valueEnd -= 1 }
        guard let key = Metaparameter(rawValue: name) else { continue }
        let raw = Substring(
          String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self))
        result[key] = raw == "null" ? .nan : Double(raw)
      }
    }
    return result
  }

  /// Shortest round-trip text; JSON has no NaN or infinity, so those are null.
  private static func number(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
  }
}
