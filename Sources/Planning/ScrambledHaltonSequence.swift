import Primitives

/// A Halton sequence whose digits are scrambled by one seeded random permutation per base
/// (Braaten and Weller 1979's idea; Owen 2017 surveys the variants).
///
/// Dimension d uses the d-th prime b as its base. For each base, a permutation pi of {0, ..., b-1}
/// is drawn by a Fisher-Yates shuffle driven by `SplitMix64(seed: mix(seed) ^ b)`; point n's
/// coordinate is sum_k pi(digit_k(n)) b^-(k+1) over a fixed number D of digits, the largest D with
/// b^D <= 2^53. Because the permutation also applies to the leading zero digits of small indices,
/// point 0 is not the origin, and all arithmetic is on integers below 2^53 until one final exact
/// division, so the points are the same on every machine. Points depend only on (seed, index),
/// never on how many are drawn.
public struct ScrambledHaltonSequence: Sendable, Hashable {
  /// The first primes: one base per dimension.
  static let primes: [UInt64] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
  ]
  public static var maxDimensions: Int { primes.count }

  public let dimensions: Int
  public let seed: Int
  let permutations: [[UInt64]]
  let digitCounts: [Int]

  /// - Precondition: `1 <= dimensions <= maxDimensions`.
  public init(dimensions: Int, seed: Int) {
    precondition(dimensions >= 1 && dimensions <= Self.maxDimensions, "unsupported dimensions")
    self.dimensions = dimensions
    self.seed = seed
    var permutations: [[UInt64]] = []
    var digitCounts: [Int] = []
    let seedMix = SplitMix64.mix(UInt64(bitPattern: Int64(seed)))
    for base in Self.primes.prefix(dimensions) {
      var generator = SplitMix64(seed: seedMix ^ base)
      var pi = Array(0..<base)
      var i = Int(base) - 1
      while i > 0 {
        let j = Int(generator.next(below: UInt64(i + 1)))
        pi.swapAt(i, j)
        i -= 1
      }
      permutations.append(pi)
      var count = 0
      var power: UInt64 = 1
      while power <= (UInt64(1) << 53) / base {
        power *= base
        count += 1
      }
      digitCounts.append(count)
    }
    self.permutations = permutations
    self.digitCounts = digitCounts
  }

  /// Point `index` in [0, 1)^dimensions.
  public func point(_ index: Int) -> [Double] {
    (0..<dimensions).map { d in
      let (numerator, denominator) = fraction(index, dimension: d)
      return Double(numerator) / Double(denominator)
    }
  }

  /// Coordinate `d` of point `index` as an exact fraction with denominator b^D (both < 2^53).
  func fraction(_ index: Int, dimension d: Int) -> (numerator: UInt64, denominator: UInt64) {
    precondition(index >= 0, "index out of range")
    let base = Self.primes[d]
    let pi = permutations[d]
    var n = UInt64(index)
    var numerator: UInt64 = 0
    var denominator: UInt64 = 1
    for _ in 0..<digitCounts[d] {
      numerator = numerator * base + pi[Int(n % base)]
      denominator *= base
      n /= base
    }
    return (numerator, denominator)
  }
}
