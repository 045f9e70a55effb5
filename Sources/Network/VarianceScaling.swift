import Primitives

/// Which fan sets the variance.
public enum FanMode: String, Hashable, Sendable {
  case fanIn = "fan-in", fanOut = "fan-out", fanAvg = "fan-avg"
}

/// The distribution weights are drawn from.
public enum WeightDistribution: String, Hashable, Sendable {
  /// Normal truncated at ±2σ_raw (resampled), σ_raw = target / 0.87962566103423978 so that the
  /// std after truncation is the target (TensorFlow 1.x `variance_scaling_initializer`).
  case truncatedNormal = "truncated-normal"
  case normal
  /// Uniform on ±sqrt(3) * target.
  case uniform
}

/// Variance scaling: target std = sqrt(scale / fan). Lee et al. use scale 1, fan-in, truncated
/// normal (`.leeEtAl`). Biases are not drawn (they start at zero).
public struct VarianceScaling: Hashable, Sendable {
  public var scale: Double
  public var mode: FanMode
  public var distribution: WeightDistribution

  /// The std of a standard normal truncated to [-2, 2].
  public static let truncatedStdFactor = 0.87962566103423978

  public init(scale: Double = 1, mode: FanMode = .fanIn, distribution: WeightDistribution) {
    self.scale = scale
    self.mode = mode
    self.distribution = distribution
  }

  public static let leeEtAl = VarianceScaling(
    scale: 1, mode: .fanIn, distribution: .truncatedNormal)

  /// The target standard deviation for a tensor.
  public func standardDeviation(for slice: ParameterSlice) -> Double {
    let fan: Double
    switch mode {
    case .fanIn: fan = Double(slice.fanIn)
    case .fanOut: fan = Double(slice.fanOut)
    case .fanAvg: fan = Double(slice.fanIn + slice.fanOut) / 2
    }
    return (scale / max(fan, 1)).squareRoot()
  }

  /// Fills one tensor. Each tensor has its own SplitMix64 stream, seeded from (`seed`,
  /// `tensorIndex`), so a tensor's values depend only on the seed, its index and its shape, and
  /// the same seed gives the same weights on every run and platform.
  public func fill(
    _ target: UnsafeMutableBufferPointer<Float>, slice: ParameterSlice, seed: UInt64,
    tensorIndex: Int
  ) {
    var mixer = SplitMix64(seed: seed)
    var rng = SplitMix64(seed: mixer.next() ^ (UInt64(tensorIndex) &* 0xD1B5_4A32_D192_ED03))
    let std = standardDeviation(for: slice)
    switch distribution {
    case .truncatedNormal:
      let raw = std / VarianceScaling.truncatedStdFactor
      for i in target.indices {
        var z = rng.nextNormal()
        while abs(z) > 2 { z = rng.nextNormal() }
        target[i] = Float(z * raw)
      }
    case .normal:
      for i in target.indices { target[i] = Float(rng.nextNormal() * std) }
    case .uniform:
      let limit = (3.0).squareRoot() * std
      for i in target.indices { target[i] = Float((2 * rng.nextOpenUnit() - 1) * limit) }
    }
  }
}
