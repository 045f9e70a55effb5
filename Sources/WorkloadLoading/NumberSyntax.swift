import Foundation

/// How a plain scalar reads as a number. The language never guesses from style: the field's
/// declared type decides, and this only says what the text is.
enum NumberSyntax: Equatable {
  /// `42`, `-3`, `60_000`: the text with underscores removed.
  case integer(String)
  /// `0.5`, `1e-4`, `.5`, `2.`, `1_000.5`: the text with underscores removed.
  case real(String)
  /// `.nan`, `.inf`, `-.Inf` and the like.
  case special

  static func classify(_ text: String) -> NumberSyntax? {
    let specials = [".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF"]
    var body = Substring(text)
    if body.first == "+" || body.first == "-" { body = body.dropFirst() }
    if specials.contains(String(body)) {
      return .special
    }
    let bytes = Array(body.utf8)
    guard !bytes.isEmpty else { return nil }
    var i = 0
    var digitsBefore = 0
    var digitsAfter = 0
    var isReal = false
    func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    while i < bytes.count, isDigit(bytes[i]) || (bytes[i] == 95 && digitsBefore > 0) {
      if isDigit(bytes[i]) { digitsBefore += 1 }
      i += 1
    }
    if i < bytes.count, bytes[i] == 46 {  // '.'
      isReal = true
      i += 1
      while i < bytes.count, isDigit(bytes[i]) || (bytes[i] == 95 && digitsAfter > 0) {
        if isDigit(bytes[i]) { digitsAfter += 1 }
        i += 1
      }
    }
    guard digitsBefore + digitsAfter > 0 else { return nil }
    if i < bytes.count, bytes[i] == 101 || bytes[i] == 69 {  // 'e' or 'E'
      isReal = true
      i += 1
      if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 { i += 1 }
      var exponentDigits = 0
      while i < bytes.count, isDigit(bytes[i]) {
        exponentDigits += 1
        i += 1
      }
      guard exponentDigits > 0 else { return nil }
    }
    guard i == bytes.count else { return nil }
    let cleaned = text.filter { $0 != "_" }
    if isReal {
      // Swift's Double parser wants a digit before and after the point.
      var fixed = cleaned.replacingOccurrences(of: ".e", with: ".0e")
        .replacingOccurrences(of: ".E", with: ".0E")
      if fixed.hasSuffix(".") { fixed += "0" }
      fixed = fixed.replacingOccurrences(of: "-.", with: "-0.").replacingOccurrences(
        of: "+.", with: "+0.")
      if fixed.hasPrefix(".") { fixed = "0" + fixed }
      return .real(fixed)
    }
    return .integer(cleaned.hasPrefix("+") ? String(cleaned.dropFirst()) : cleaned)
  }
}
