/// A pruning mask as one bit per parameter (1 = kept), little-endian within each byte: 62,346
/// Simple-CNN parameters take 7.8 kB instead of 249 kB as floats.
public struct PackedMask: Hashable, Sendable {
  public var count: Int
  public var bits: [UInt8]

  public init(count: Int, bits: [UInt8]) {
    self.count = count
    self.bits = bits
  }

  /// Packs a mask given as floats (nonzero = kept), as the network's mask buffer holds it.
  public init<C: Collection>(keeping values: C) where C.Element: BinaryFloatingPoint {
    var bits = [UInt8](repeating: 0, count: (values.count + 7) / 8)
    for (i, value) in values.enumerated() where value != 0 {
      bits[i >> 3] |= 1 << UInt8(i & 7)
    }
    self.init(count: values.count, bits: bits)
  }

  public subscript(i: Int) -> Bool { bits[i >> 3] & (1 << UInt8(i & 7)) != 0 }

  /// The mask as 0/1 floats.
  public func unpacked() -> [Float] {
    (0..<count).map { self[$0] ? 1 : 0 }
  }

  /// Kept parameters.
  public var keptCount: Int { bits.reduce(0) { $0 + $1.nonzeroBitCount } }
}
