/// 64-bit FNV-1a: a content digest without a cryptography dependency (of a mask, in Pruning; of
/// a curve's label, for its bootstrap seed, in Analysis).
///
/// Not collision-resistant against an adversary; it only has to tell two honest inputs apart in a
/// report or a non-determinism check. The results store keys masks by SHA-256 of their inputs.
public struct FNV1a: Sendable {
  /// FNV-1a's 64-bit offset basis.
  public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325

  /// The digest of everything fed so far.
  public private(set) var value: UInt64

  public init() { value = Self.offsetBasis }

  /// Starts from another value than the offset basis (a seeded hash).
  public init(startingAt value: UInt64) { self.value = value }

  public mutating func combine(_ byte: UInt8) {
    value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
  }

  public mutating func combine(_ word: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      combine(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
    }
  }

  /// The value as 16 lowercase hex digits.
  public var hex: String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
