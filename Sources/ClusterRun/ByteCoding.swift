/// Little-endian writing of the few value kinds the cluster messages carry. Every length is
/// written before its bytes, so a reader never guesses.
struct ByteWriter {
  private(set) var bytes: [UInt8] = []

  mutating func u8(_ value: UInt8) { bytes.append(value) }

  mutating func u64(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func int(_ value: Int) { u64(UInt64(bitPattern: Int64(value))) }

  mutating func double(_ value: Double) { u64(value.bitPattern) }

  mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

  mutating func blob(_ value: [UInt8]) {
    int(value.count)
    bytes.append(contentsOf: value)
  }

  mutating func string(_ value: String) { blob(Array(value.utf8)) }

  mutating func optionalInt(_ value: Int?) {
    bool(value != nil)
    if let value { int(value) }
  }
}

/// Reads what `ByteWriter` wrote; every read checks the bytes left and throws
/// `ClusterError.malformed` instead of reading past the end.
struct ByteReader {
  private let bytes: [UInt8]
  private var offset = 0

  init(_ bytes: [UInt8], from offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  var isAtEnd: Bool { offset == bytes.count }

  private mutating func take(_ count: Int) throws(ClusterError) -> ArraySlice<UInt8> {
    guard count >= 0, count <= bytes.count - offset else {
      throw .malformed("a field of \(count) bytes runs past the message's end")
    }
    defer { offset += count }
    return bytes[offset..<(offset + count)]
  }

  mutating func u8() throws(ClusterError) -> UInt8 { try take(1).first ?? 0 }

  mutating func u64() throws(ClusterError) -> UInt64 {
    var value: UInt64 = 0
    for (shift, byte) in try take(8).enumerated() { value |= UInt64(byte) << (8 * shift) }
    return value
  }

  mutating func int() throws(ClusterError) -> Int {
    let wide = Int64(bitPattern: try u64())
    guard let value = Int(exactly: wide) else { throw .malformed("integer \(wide) out of range") }
    return value
  }

  mutating func double() throws(ClusterError) -> Double { Double(bitPattern: try u64()) }

  mutating func bool() throws(ClusterError) -> Bool {
    switch try u8() {
    case 0: return false
    case 1: return true
    case let other: throw .malformed("flag byte \(other) is neither 0 nor 1")
    }
  }

  mutating func blob() throws(ClusterError) -> [UInt8] { Array(try take(try int())) }

  mutating func string() throws(ClusterError) -> String {
    let raw = try blob()
    guard let text = String(validating: raw, as: UTF8.self) else {
      throw .malformed("a text field is not UTF-8")
    }
    return text
  }

  mutating func optionalInt() throws(ClusterError) -> Int? { try bool() ? try int() : nil }
}
