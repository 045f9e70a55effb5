#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A cursor over the bytes of a JSON document: the one JSON reader behind the saved plan
/// (`Planning.PlanTableReader`) and the results archive (`Analysis.ResultsArchiveReader`).
///
/// Foundation's `JSONDecoder` builds a tree of every value before decoding it, which for a
/// 100,000-trial plan or results archive costs seconds and hundreds of megabytes; this reads
/// scalars in place instead, and callers walk the document in the shape they expect, skipping
/// what they do not know. It accepts any valid JSON (whitespace, escapes), not only canonical
/// bytes, so a file pretty-printed by a tool still reads, and refuses what JSON does not allow
/// (`+1`, `01.`, control characters in strings, unpaired surrogates). Every error is a
/// `JSONScanError` that names the byte offset it stopped at.
///
/// The caller keeps the buffer alive (`withUnsafeBufferPointer`) while a scanner uses it.
public struct JSONScanner {
  public let bytes: UnsafeBufferPointer<UInt8>
  public var position: Int

  public init(_ bytes: UnsafeBufferPointer<UInt8>, position: Int = 0) {
    self.bytes = bytes
    self.position = position
  }

  // MARK: Structure

  public var isAtEnd: Bool { position >= bytes.count }

  public mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  /// The next significant byte, without consuming it.
  public mutating func peek() throws -> UInt8 {
    skipWhitespace()
    guard position < bytes.count else { throw truncated() }
    return bytes[position]
  }

  public mutating func expect(_ byte: UInt8) throws {
    let found = try peek()
    guard found == byte else {
      throw error("expected '\(Character(Unicode.Scalar(byte)))', found \(describe(found))")
    }
    position += 1
  }

  /// Consumes `byte` if it is next.
  public mutating func consume(_ byte: UInt8) throws -> Bool {
    guard try peek() == byte else { return false }
    position += 1
    return true
  }

  /// Calls `member` with each key of an object; `member` must read the key's value.
  public mutating func object(_ member: (inout JSONScanner, String) throws -> Void) throws {
    try expect(UInt8(ascii: "{"))
    if try consume(UInt8(ascii: "}")) { return }
    repeat {
      guard try peek() == UInt8(ascii: "\"") else {
        throw error("expected a key in quotes, found \(describe(bytes[position]))")
      }
      let key = try string()
      try expect(UInt8(ascii: ":"))
      try member(&self, key)
    } while try separator(closing: UInt8(ascii: "}"))
  }

  /// As `object`, but `member` gets the key as bytes, without a `String` built for it (a saved
  /// plan's trial records have four keys each, read 100,000 times). An escaped key is decoded
  /// first, so `"k\u0065y"` is still `key`.
  public mutating func objectWithRawKeys(
    _ member: (inout JSONScanner, UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws {
    try expect(UInt8(ascii: "{"))
    if try consume(UInt8(ascii: "}")) { return }
    repeat {
      guard try peek() == UInt8(ascii: "\"") else {
        throw error("expected a key in quotes, found \(describe(bytes[position]))")
      }
      let quote = position
      var end = position + 1
      while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
        bytes[end] >= 0x20
      {
        end += 1
      }
      if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
        position = end + 1
        let key = UnsafeBufferPointer(rebasing: bytes[quote + 1..<end])
        try expect(UInt8(ascii: ":"))
        try member(&self, key)
      } else {
        position = quote
        let key = Array(try string().utf8)
        try expect(UInt8(ascii: ":"))
        try key.withUnsafeBufferPointer { try member(&self, $0) }
      }
    } while try separator(closing: UInt8(ascii: "}"))
  }

  /// Calls `element` for each element of an array; `element` must read the element.
  public mutating func array(_ element: (inout JSONScanner) throws -> Void) throws {
    try expect(UInt8(ascii: "["))
    if try consume(UInt8(ascii: "]")) { return }
    repeat {
      try element(&self)
    } while try separator(closing: UInt8(ascii: "]"))
  }

  /// After a member or element: true after a `,`, false after the closing bracket.
  private mutating func separator(closing: UInt8) throws -> Bool {
    let found = try peek()
    position += 1
    if found == UInt8(ascii: ",") { return true }
    if found == closing { return false }
    throw error(
      "expected ',' or '\(Character(Unicode.Scalar(closing)))', found \(describe(found))",
      at: position - 1)
  }

  /// Skips one value of any kind and returns where it lay, for values read later or elsewhere.
  ///
  /// Objects and arrays are skipped by matching brackets outside strings, without reading
  /// their keys and scalars: the top level of a plan is located first, which skips the whole
  /// file once, and the skipped values are read in full afterwards (where any error in them is
  /// reported).
  @discardableResult
  public mutating func skipValue() throws -> Range<Int> {
    let first = try peek()
    let start = position
    switch first {
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      try skipContainer()
    case UInt8(ascii: "\""):
      try skipString()
    case UInt8(ascii: "t"): try literal("true")
    case UInt8(ascii: "f"): try literal("false")
    case UInt8(ascii: "n"): try literal("null")
    default:
      _ = try numberText()
    }
    return start..<position
  }

  /// Skips from an opening bracket to its match, checking that brackets pair up.
  private mutating func skipContainer() throws {
    var open: [UInt8] = []
    while position < bytes.count {
      let byte = bytes[position]
      switch byte {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        open.append(byte)
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        let expected = open.popLast() == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        guard byte == expected else {
          throw error(
            "expected '\(Character(Unicode.Scalar(expected)))', found \(describe(byte))")
        }
        if open.isEmpty {
          position += 1
          return
        }
      case UInt8(ascii: "\""):
        try skipString()
        continue
      default: break
      }
      position += 1
    }
    throw truncated()
  }

  /// Reads `null` if it is next.
  public mutating func null() throws -> Bool {
    guard try peek() == UInt8(ascii: "n") else { return false }
    try literal("null")
    return true
  }

  private mutating func literal(_ word: String) throws {
    let expected = Array(word.utf8)
    guard position + expected.count <= bytes.count else { throw truncated() }
    guard expected.indices.allSatisfy({ bytes[position + $0] == expected[$0] }) else {
      throw error("expected '\(word)'")
    }
    position += expected.count
  }

  // MARK: Strings

  /// A string, escapes decoded.
  public mutating func string() throws -> String {
    try expect(UInt8(ascii: "\""))
    let start = position
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position - 1]),
          as: UTF8.self)
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw error("a control character inside a string") }
      position += 1
    }
    guard position < bytes.count else { throw truncated() }
    var out = Array(bytes[start..<position])
    while true {
      guard position < bytes.count else { throw truncated() }
      let byte = bytes[position]
      position += 1
      switch byte {
      case UInt8(ascii: "\""):
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        try unescape(into: &out)
      case 0..<0x20:
        throw error("a control character inside a string", at: position - 1)
      default:
        out.append(byte)
      }
    }
  }

  /// Where a string without escapes lies, without building a `String` (keys and mask
  /// references: 64 hex digits, compared in place).
  public mutating func plainString() throws -> Range<Int> {
    try expect(UInt8(ascii: "\""))
    let start = position
    while position < bytes.count {
      switch bytes[position] {
      case UInt8(ascii: "\""):
        position += 1
        return start..<position - 1
      case UInt8(ascii: "\\"), 0..<0x20:
        throw error("expected a key of hex digits")
      default: position += 1
      }
    }
    throw truncated()
  }

  /// The text of a range of the buffer, for messages.
  public func text(_ range: Range<Int>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
  }

  private mutating func unescape(into out: inout [UInt8]) throws {
    guard position < bytes.count else { throw truncated() }
    let byte = bytes[position]
    position += 1
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
    case UInt8(ascii: "b"): out.append(0x08)
    case UInt8(ascii: "f"): out.append(0x0C)
    case UInt8(ascii: "n"): out.append(0x0A)
    case UInt8(ascii: "r"): out.append(0x0D)
    case UInt8(ascii: "t"): out.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = try hex4()
      if (0xD800..<0xDC00).contains(scalar) {
        // A UTF-16 surrogate pair: the low half must follow as another \u escape.
        guard position + 2 <= bytes.count else { throw truncated() }
        guard bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
        else { throw error("an unpaired UTF-16 surrogate in a string") }
        position += 2
        let low = try hex4()
        guard (0xDC00..<0xE000).contains(low) else {
          throw error("an unpaired UTF-16 surrogate in a string")
        }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      }
      guard let value = Unicode.Scalar(scalar) else {
        throw error("an invalid \\u escape in a string")
      }
      out.append(contentsOf: String(Character(value)).utf8)
    default:
      throw error("an invalid escape '\\\(Character(Unicode.Scalar(byte)))' in a string")
    }
  }

  private mutating func hex4() throws -> UInt32 {
    guard position + 4 <= bytes.count else { throw truncated() }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("an invalid \\u escape in a string")
      }
      value = value << 4 | UInt32(digit)
      position += 1
    }
    return value
  }

  private mutating func skipString() throws {
    try expect(UInt8(ascii: "\""))
    while position < bytes.count {
      switch bytes[position] {
      case UInt8(ascii: "\""):
        position += 1
        return
      case UInt8(ascii: "\\"): position += 2
      default: position += 1
      }
    }
    throw truncated()
  }

  // MARK: Numbers

  /// An unsigned integer in plain decimal (seeds need all 64 bits).
  public mutating func uint64() throws -> UInt64 {
    let text = try numberText()
    var value: UInt64 = 0
    for i in text {
      let byte = bytes[i]
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
        throw error("expected an unsigned integer", at: text.lowerBound)
      }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
      guard !o1, !o2 else { throw error("an integer above 2^64 - 1", at: text.lowerBound) }
      value = sum
    }
    return value
  }

  public mutating func int() throws -> Int {
    let start = position
    let negative = try peek() == UInt8(ascii: "-")
    if negative { position += 1 }
    let magnitude = try uint64()
    let limit = negative ? UInt64(Int.max) + 1 : UInt64(Int.max)
    guard magnitude <= limit else { throw error("an integer out of range", at: start) }
    return negative ? Int(truncatingIfNeeded: 0 &- magnitude) : Int(magnitude)
  }

  /// A finite real number, read by a correctly rounded conversion (glibc's `strtod`), so it gives
  /// back exactly the double that Swift's shortest round-trip formatting wrote. The number is
  /// checked against the JSON grammar first and copied with a terminator, so `strtod` never
  /// reads past it, and no `String` is built per number.
  public mutating func double() throws -> Double {
    let text = try numberText()
    let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) {
      digits in
      for (i, offset) in text.enumerated() { digits[i] = CChar(bitPattern: bytes[offset]) }
      digits[text.count] = 0
      return strtod(digits.baseAddress!, nil)
    }
    guard value.isFinite else {
      throw error("a number out of range '\(self.text(text))'", at: text.lowerBound)
    }
    return value
  }

  /// The bytes of one JSON number, checked against the JSON grammar (no `nan`, hex or `+1`).
  private mutating func numberText() throws -> Range<Int> {
    _ = try peek()
    let start = position
    func digits() -> Int {
      let from = position
      while position < bytes.count,
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
      {
        position += 1
      }
      return position - from
    }
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    guard digits() > 0 else { throw invalidValue(at: start) }
    if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
      position += 1
      guard digits() > 0 else { throw invalidValue(at: start) }
    }
    if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
      position += 1
      if position < bytes.count,
        bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
      {
        position += 1
      }
      guard digits() > 0 else { throw invalidValue(at: start) }
    }
    return start..<position
  }

  // MARK: Errors

  public func truncated() -> JSONScanError {
    JSONScanError(
      offset: bytes.count, message: "the file ends early at byte \(bytes.count) (truncated?)")
  }

  /// `what` at the current position (or at `offset`), as "`what` at byte N".
  public func error(_ what: String, at offset: Int? = nil) -> JSONScanError {
    let offset = offset ?? position
    return JSONScanError(offset: offset, message: "\(what) at byte \(offset)")
  }

  private func invalidValue(at offset: Int) -> JSONScanError {
    offset >= bytes.count
      ? truncated()
      : error("expected a value, found \(describe(bytes[offset]))", at: offset)
  }

  public func describe(_ byte: UInt8) -> String {
    (0x21..<0x7F).contains(byte)
      ? "'\(Character(Unicode.Scalar(byte)))'"
      : "byte 0x\(String(byte, radix: 16))"
  }
}

/// Why a JSON document could not be read: where (a byte offset into the file) and what.
public struct JSONScanError: Error, Equatable, CustomStringConvertible {
  public var offset: Int
  /// The whole message, ending with the offset ("expected ',' or '}', found 'x' at byte 120").
  public var message: String

  public init(offset: Int, message: String) {
    self.offset = offset
    self.message = message
  }

  public var description: String { message }
}
