import Foundation

/// A forward-only JSON tokenizer over UTF-8 bytes, for reading large result archives without
/// building an intermediate tree (Foundation's `JSONDecoder` spends most of a 100,000-trial
/// report's time there). Callers walk the document in the shape they expect and `skipValue()`
/// whatever they do not know, so unknown keys are ignored as they are by `Decodable`.
struct JSONScanner {
  enum Failure: Error, CustomStringConvertible {
    case unexpected(String, offset: Int)
    var description: String {
      switch self {
      case .unexpected(let what, let offset):
        return "invalid results JSON at byte \(offset): \(what)"
      }
    }
  }

  /// The document plus a NUL terminator, so `strtod` always stops inside the buffer.
  private let bytes: [UInt8]
  private(set) var position = 0

  init(_ data: Data) {
    var bytes = [UInt8](data)
    bytes.append(0)
    self.bytes = bytes
  }

  private var current: UInt8 { bytes[position] }

  mutating func skipWhitespace() {
    while position < bytes.count - 1 {
      switch bytes[position] {
      case 0x20, 0x0A, 0x0D, 0x09: position += 1
      default: return
      }
    }
  }

  func fail(_ what: String) -> Failure { .unexpected(what, offset: position) }

  mutating func expect(_ byte: UInt8) throws {
    skipWhitespace()
    guard current == byte else {
      throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
    }
    position += 1
  }

  /// Consumes `byte` if it is next.
  mutating func consume(_ byte: UInt8) -> Bool {
    skipWhitespace()
    if current == byte {
      position += 1
      return true
    }
    return false
  }

  /// Calls `body` with each key of an object; `body` must consume the value.
  mutating func object(_ body: (inout JSONScanner, String) throws -> Void) throws {
    try expect(UInt8(ascii: "{"))
    if consume(UInt8(ascii: "}")) { return }
    repeat {
      let key = try string()
      try expect(UInt8(ascii: ":"))
      try body(&self, key)
    } while consume(UInt8(ascii: ","))
    try expect(UInt8(ascii: "}"))
  }

  /// Calls `body` for each element of an array; `body` must consume the element.
  mutating func array(_ body: (inout JSONScanner) throws -> Void) throws {
    try expect(UInt8(ascii: "["))
    if consume(UInt8(ascii: "]")) { return }
    repeat { try body(&self) } while consume(UInt8(ascii: ","))
    try expect(UInt8(ascii: "]"))
  }

  /// True (and consumed) if the next value is `null`.
  mutating func null() -> Bool {
    skipWhitespace()
    if current == UInt8(ascii: "n"), position + 4 < bytes.count,
      bytes[position + 1] == UInt8(ascii: "u")
    {
      position += 4
      return true
    }
    return false
  }

  mutating func string() throws -> String {
    try expect(UInt8(ascii: "\""))
    let start = position
    while current != UInt8(ascii: "\"") && current != UInt8(ascii: "\\") {
      guard position < bytes.count - 1 else { throw fail("unterminated string") }
      position += 1
    }
    if current == UInt8(ascii: "\"") {
      defer { position += 1 }
      return String(decoding: bytes[start..<position], as: UTF8.self)
    }
    // Escapes: fall back to a byte-by-byte decode of the rest of the string.
    var out = [UInt8](bytes[start..<position])
    while true {
      guard position < bytes.count - 1 else { throw fail("unterminated string") }
      let byte = current
      position += 1
      if byte == UInt8(ascii: "\"") { break }
      guard byte == UInt8(ascii: "\\") else {
        out.append(byte)
        continue
      }
      let escape = current
      position += 1
      switch escape {
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar), current == UInt8(ascii: "\\"),
          bytes[position + 1] == UInt8(ascii: "u")
        {
          position += 2
          let low = try hex4()
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: Array(String(character).utf8))
      default: out.append(escape)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  private mutating func hex4() throws -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let digit = Character(Unicode.Scalar(current)).hexDigitValue else {
        throw fail("bad \\u escape")
      }
      value = value * 16 + UInt32(digit)
      position += 1
    }
    return value
  }

  /// A number, or one of the strings "nan", "inf", "-inf".
  mutating func double() throws -> Double {
    skipWhitespace()
    if current == UInt8(ascii: "\"") {
      switch try string() {
      case "nan": return .nan
      case "inf": return .infinity
      case "-inf": return -.infinity
      case let other: throw fail("expected a number, found \"\(other)\"")
      }
    }
    return try bytes.withUnsafeBufferPointer { buffer -> Double in
      guard let base = buffer.baseAddress else { throw fail("empty input") }
      let start = UnsafeMutableRawPointer(mutating: base + position)
        .assumingMemoryBound(to: CChar.self)
      var end: UnsafeMutablePointer<CChar>?
      let value = strtod(start, &end)
      guard let end, end != start else { throw fail("expected a number") }
      position += end - start
      return value
    }
  }

  mutating func int() throws -> Int {
    skipWhitespace()
    var negative = false
    if current == UInt8(ascii: "-") {
      negative = true
      position += 1
    }
    var value = 0
    var digits = 0
    while current >= UInt8(ascii: "0") && current <= UInt8(ascii: "9") {
      value = value &* 10 &+ Int(current - UInt8(ascii: "0"))
      position += 1
      digits += 1
    }
    guard digits > 0, digits < 19 else { throw fail("expected an integer") }
    if current == UInt8(ascii: ".") || current == UInt8(ascii: "e") || current == UInt8(ascii: "E")
    {
      throw fail("expected an integer")
    }
    return negative ? -value : value
  }

  /// Skips any value (for keys the reader does not know).
  mutating func skipValue() throws {
    skipWhitespace()
    switch current {
    case UInt8(ascii: "{"): try object { scanner, _ in try scanner.skipValue() }
    case UInt8(ascii: "["): try array { try $0.skipValue() }
    case UInt8(ascii: "\""): _ = try string()
    case UInt8(ascii: "t"): position += 4
    case UInt8(ascii: "f"): position += 5
    case UInt8(ascii: "n"): position += 4
    default: _ = try double()
    }
  }
}
