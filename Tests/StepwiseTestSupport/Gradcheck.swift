import Primitives

/// Finite-difference gradient checks (STYLE example 9): central differences in `Double`.
public enum Gradcheck {
  /// (f(x + h e_i) - f(x - h e_i)) / 2h for each index in `indices`.
  public static func centralDifferences(
    _ f: ([Double]) -> Double, at x: [Double], indices: [Int], step h: Double = 1e-5
  ) -> [Double] {
    var probe = x
    return indices.map { i in
      probe[i] = x[i] + h
      let plus = f(probe)
      probe[i] = x[i] - h
      let minus = f(probe)
      probe[i] = x[i]
      return (plus - minus) / (2 * h)
    }
  }

  /// The directional derivative along `direction` by central differences:
  /// (f(x + h d) - f(x - h d)) / 2h. For layers too large to probe entry by entry.
  public static func directionalDerivative(
    _ f: ([Double]) -> Double, at x: [Double], direction d: [Double], step h: Double = 1e-5
  ) -> Double {
    let plus = f(zip(x, d).map { $0 + h * $1 })
    let minus = f(zip(x, d).map { $0 - h * $1 })
    return (plus - minus) / (2 * h)
  }

  /// |a - b| / max(|a|, |b|, floor): relative error that tolerates values near zero.
  public static func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-6) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
  }

  /// The largest `relativeError` over pairs.
  public static func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-6)
    -> Double
  {
    zip(a, b).map { relativeError($0, $1, floor: floor) }.max() ?? 0
  }

  /// max |a - b| / max(max |b|, floor): error relative to the tensor's scale, the right measure
  /// for float kernels whose entries can cancel to near zero.
  public static func scaledMaxError(_ a: [Double], _ b: [Double], floor: Double = 1e-12)
    -> Double
  {
    let scale = max(b.map(abs).max() ?? 0, floor)
    return (zip(a, b).map { abs($0 - $1) }.max() ?? 0) / scale
  }
}

/// A small seeded generator for test data (SplitMix64), independent of the code under test.
public struct TestRandom {
  var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in [0, 1) from the top 53 bits (as `scripts/torch_fixtures.py`'s `unit()`).
  public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
  /// Uniform in [-1, 1).
  public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-52 - 1 }
  public mutating func uniforms(_ n: Int, scale: Double = 1) -> [Double] {
    (0..<n).map { _ in uniform() * scale }
  }
  public mutating func labels(_ n: Int, classes: Int) -> [Int] {
    (0..<n).map { _ in Int(next() % UInt64(classes)) }
  }
  /// `n` examples of `features` inputs uniform in [-1, 1), then their labels in 0..<`classes`.
  public mutating func batch(_ n: Int, features: Int, classes: Int = 10)
    -> (x: [Float], y: [Int32])
  {
    let x = uniforms(n * features).map(Float.init)
    return (x, labels(n, classes: classes).map(Int32.init))
  }
}
