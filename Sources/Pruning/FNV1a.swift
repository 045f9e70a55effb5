/// 64-bit FNV-1a: a content digest for masks without a cryptography dependency.
///
/// Not collision-resistant against an adversary; it only has to tell two honest masks apart in a
/// report or a non-determinism check. The results store keys masks by SHA-256 of their inputs.
public struct FNV1a: Sendable {
  /// The digest of everything fed so far.
  public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

  public init() {}

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
