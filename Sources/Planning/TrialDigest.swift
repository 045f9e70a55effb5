import Crypto

/// A trial or mask key as its 32 bytes (four big-endian words), for the places that handle
/// keys by the hundred thousand (reading, compiling and diffing plans): comparing and hashing
/// four words costs a fraction of a 64-character `String`, which is also a heap allocation per
/// key. `TrialKey` (the hex text) is what the rest of Stepwise and the store use; `key` and
/// `init?(hex:)` convert. Ordering the words as unsigned integers is the order of the hex text.
public struct TrialDigest: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
  public var a: UInt64
  public var b: UInt64
  public var c: UInt64
  public var d: UInt64

  public init(a: UInt64, b: UInt64, c: UInt64, d: UInt64) {
    self.a = a
    self.b = b
    self.c = c
    self.d = d
  }

  /// The digest of SHA-256.
  public init(_ digest: SHA256.Digest) {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    digest.withUnsafeBytes { raw in
      func word(_ at: Int) -> UInt64 {
        var w: UInt64 = 0
        for i in at..<at + 8 { w = w << 8 | UInt64(raw[i]) }
        return w
      }
      words = (word(0), word(8), word(16), word(24))
    }
    (a, b, c, d) = words
  }

  /// Parses 64 lowercase hex digits (the only form keys are written in); nil for anything else.
  public init?<C: Collection>(hex: C) where C.Element == UInt8 {
    let parsed =
      hex.withContiguousStorageIfAvailable { Self.parse($0) } ?? Self.parse(Array(hex))
    guard let parsed else { return nil }
    self = parsed
  }

  /// The parser on contiguous bytes: the reader checks one key per trial with it.
  private static func parse(_ hex: UnsafeBufferPointer<UInt8>) -> TrialDigest? {
    guard hex.count == 64, let base = hex.baseAddress else { return nil }
    // Each digit's value, or 0xFF for a byte that is not a lowercase hex digit; OR-ing the
    // values together finds any bad byte with one test per word instead of one per byte.
    return digitValues.withUnsafeBufferPointer { table in
      var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
      var bad: UInt8 = 0
      for w in 0..<4 {
        var word: UInt64 = 0
        for i in 0..<16 {
          let value = table[Int(base[w &* 16 &+ i])]
          bad |= value
          word = word << 4 | UInt64(value & 0xF)
        }
        switch w {
        case 0: words.0 = word
        case 1: words.1 = word
        case 2: words.2 = word
        default: words.3 = word
        }
      }
      guard bad & 0xF0 == 0 else { return nil }
      return TrialDigest(a: words.0, b: words.1, c: words.2, d: words.3)
    }
  }

  private static func parse(_ hex: [UInt8]) -> TrialDigest? {
    hex.withUnsafeBufferPointer { parse($0) }
  }

  public init?(_ key: TrialKey) { self.init(hex: key.hex.utf8) }

  /// Appends the 64 lowercase hex digits.
  public func writeHex(to out: inout [UInt8]) {
    Self.writeHex(a, to: &out)
    Self.writeHex(b, to: &out)
    Self.writeHex(c, to: &out)
    Self.writeHex(d, to: &out)
  }

  private static func writeHex(_ word: UInt64, to out: inout [UInt8]) {
    var shift: UInt64 = 64
    while shift > 0 {
      shift &-= 4
      let nibble = UInt8(truncatingIfNeeded: (word >> shift) & 0xF)
      out.append(nibble < 10 ? nibble &+ UInt8(ascii: "0") : nibble &+ (UInt8(ascii: "a") &- 10))
    }
  }

  public var hex: String {
    var out: [UInt8] = []
    out.reserveCapacity(64)
    writeHex(to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  public var key: TrialKey { TrialKey(hex: hex) }
  /// The first 12 hex digits, as `TrialKey.short`.
  public var short: String { String(hex.prefix(12)) }
  public var description: String { hex }

  /// Coded as its hex text, like `TrialKey`'s value.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let parsed = TrialDigest(hex: text.utf8) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "'\(text)' is not 64 lowercase hex digits")
    }
    self = parsed
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(hex)
  }

  public static func < (x: TrialDigest, y: TrialDigest) -> Bool {
    (x.a, x.b, x.c, x.d) < (y.a, y.b, y.c, y.d)
  }
}

/// `TrialDigest.parse`'s table: a byte's value as a lowercase hex digit, or 0xFF.
private let digitValues: [UInt8] = (0..<256).map { byte -> UInt8 in
  switch UInt8(byte) {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) - UInt8(ascii: "0")
  case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt8(byte) - UInt8(ascii: "a") + 10
  default: return 0xFF
  }
}
