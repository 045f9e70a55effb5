/// Steele, Lea and Flood's SplitMix64 (OOPSLA 2014), the generator Java's `SplittableRandom` and
/// Vigna's xoshiro seeding use: a 64-bit state advanced by the golden-ratio constant and mixed by
/// two multiply-xorshift rounds.
///
/// Every random number Stepwise draws comes from here: the digit permutations of the scrambled
/// Halton sequence and the seed derivation (Planning), initial weights and random masks (Network,
/// Pruning), bootstrap resamples (Analysis). They must be the same on every machine, run and Swift
/// version, so the generator and every bounded draw are written out here (64-bit integer
/// arithmetic only) instead of borrowing a platform generator or the standard library's
/// unspecified `Int.random(in:using:)`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// The SplitMix64 output function: a bijection on 64 bits with full avalanche.
  public static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound` by rejection of the top partial range (the Halton
  /// permutations' draw; its sequence is part of every plan's bytes, so it never changes).
  public mutating func next(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "bound must be positive")
    let limit = UInt64.max - UInt64.max % bound
    while true {
      let value = next()
      if value < limit { return value % bound }
    }
  }

  /// A uniform integer in `0..<bound` by Lemire's multiply-and-reject (the random masks' draw;
  /// a different sequence from `next(below:)` for the same state, and just as fixed).
  public mutating func nextIndex(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold {
        product = next().multipliedFullWidth(by: range)
      }
    }
    return Int(product.high)
  }

  /// Uniform in (0, 1): 53 random bits, offset by half an ulp so it is never 0 (for log).
  public mutating func nextOpenUnit() -> Double {
    (Double(next() >> 11) + 0.5) * 0x1.0p-53
  }
}
