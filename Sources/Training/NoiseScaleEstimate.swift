/// McCandlish et al.'s simple noise scale B_simple = tr(Sigma) / |G|^2, from squared norms of
/// mean gradients at two batch sizes (their appendix A).
///
/// With G_B the mean gradient of B examples drawn independently from the training split,
/// E|G_B|^2 = |G|^2 + tr(Sigma) / B, so
///   |G|^2    ~ (B_big |G_big|^2 - B_small |G_small|^2) / (B_big - B_small),
///   tr(Sigma) ~ (|G_small|^2 - |G_big|^2) / (1 / B_small - 1 / B_big)
/// are unbiased; each is averaged over the draws before their ratio is taken (the ratio of
/// unbiased means, not the mean of ratios, which a small |G|^2 draw would ruin). Both are linear
/// in the two squared norms, so the per-draw values average to the same estimates and give their
/// standard errors.
public struct NoiseScaleEstimate: Hashable, Sendable, Codable {
  public var smallBatch: Int
  public var bigBatch: Int
  public var draws: Int
  public var meanSmallSquaredNorm: Double
  public var meanBigSquaredNorm: Double
  /// Unbiased |G|^2 and its standard error over the draws.
  public var gradientSquaredNorm: Double
  public var gradientSquaredNormError: Double
  /// Unbiased tr(Sigma) (the per-example gradient covariance) and its standard error.
  public var traceCovariance: Double
  public var traceCovarianceError: Double

  /// B_simple = tr(Sigma) / |G|^2: McCandlish et al.'s prediction of the critical batch size.
  /// Infinite or negative when the draws do not resolve |G|^2 from zero (more draws, or a
  /// larger big batch).
  public var noiseScale: Double { traceCovariance / gradientSquaredNorm }
}

/// Sums of per-draw values, then the estimate.
public struct NoiseScaleAccumulator: Sendable {
  public let smallBatch: Int
  public let bigBatch: Int
  private var n = 0
  private var sumSmall = 0.0
  private var sumBig = 0.0
  private var sumG = 0.0
  private var sumG2 = 0.0
  private var sumS = 0.0
  private var sumS2 = 0.0

  public init(smallBatch: Int, bigBatch: Int) {
    precondition(0 < smallBatch && smallBatch < bigBatch, "need 0 < small < big")
    self.smallBatch = smallBatch
    self.bigBatch = bigBatch
  }

  /// One draw: the squared norms of the mean gradient of `smallBatch` and of `bigBatch` examples.
  public mutating func add(smallSquaredNorm s: Double, bigSquaredNorm b: Double) {
    let bs = Double(smallBatch)
    let bb = Double(bigBatch)
    let g = (bb * b - bs * s) / (bb - bs)
    let t = (s - b) / (1 / bs - 1 / bb)
    n += 1
    sumSmall += s
    sumBig += b
    sumG += g
    sumG2 += g * g
    sumS += t
    sumS2 += t * t
  }

  /// One draw from the two mean gradients themselves, over the entries `mask` keeps (nil: all).
  public mutating func add(
    small: UnsafePointer<Float>, big: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
    count: Int
  ) {
    add(
      smallSquaredNorm: ProbeVector.squaredNorm(small, mask: mask, count: count),
      bigSquaredNorm: ProbeVector.squaredNorm(big, mask: mask, count: count))
  }

  public var estimate: NoiseScaleEstimate {
    let d = Double(max(n, 1))
    func standardError(_ sum: Double, _ sumSquares: Double) -> Double {
      guard n > 1 else { return .nan }
      let variance = max(0, (sumSquares - sum * sum / d) / (d - 1))
      return (variance / d).squareRoot()
    }
    return NoiseScaleEstimate(
      smallBatch: smallBatch, bigBatch: bigBatch, draws: n, meanSmallSquaredNorm: sumSmall / d,
      meanBigSquaredNorm: sumBig / d, gradientSquaredNorm: sumG / d,
      gradientSquaredNormError: standardError(sumG, sumG2), traceCovariance: sumS / d,
      traceCovarianceError: standardError(sumS, sumS2))
  }
}
