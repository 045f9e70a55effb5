/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state advanced by the golden-ratio constant
/// and mixed by two multiply-xorshift rounds. Small, fast, and the same on every platform, which
/// is what a reproducible initialisation needs (Swift's `SystemRandomNumberGenerator` is not
/// seedable).
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in (0, 1): 53 random bits, offset by half an ulp so it is never 0 (for log).
  public mutating func nextOpenUnit() -> Double {
    (Double(next() >> 11) + 0.5) * 0x1.0p-53
  }

  /// A uniform integer in `0..<bound` by Lemire's multiply-and-reject, so a draw does not depend
  /// on the standard library's unspecified `Int.random(in:using:)` algorithm (random masks must
  /// be the same on every machine and Swift version).
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

  /// Standard normal by Box–Muller (one of the pair; the other is discarded for simplicity).
  public mutating func nextNormal() -> Double {
    let u1 = nextOpenUnit()
    let u2 = nextOpenUnit()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
