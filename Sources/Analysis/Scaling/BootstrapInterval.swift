import Primitives

/// The spread of the fitted critical batch size when the trials are resampled.
///
/// **Method.** For each resample, every cell's trials are drawn with replacement (as many as the
/// cell has), the cell's steps-to-result is recomputed as the minimum first-crossing step over the
/// drawn trials (a cell whose draw holds no reached trial drops out), and S(B) is refitted. The
/// interval is the 16th–84th percentile of the refitted B_noise (±1σ for a normal), over the
/// resamples whose fit succeeded. Seeded, so it is reproducible.
///
/// Caveat stated in the report: a minimum is a hard statistic to bootstrap (a resample's minimum is
/// never below the sample's), so the interval describes how much the answer depends on which lucky
/// trials were drawn, not a coverage guarantee.
public struct BootstrapInterval: Hashable, Sendable, Codable {
  public var resamples: Int
  /// Resamples with at least `ScalingFit.minimumPoints` points, hence a fit.
  public var fitted: Int
  public var low: Double
  public var median: Double
  public var high: Double
  public var seed: UInt64

  public init(
    resamples: Int, fitted: Int, low: Double, median: Double, high: Double, seed: UInt64
  ) {
    self.resamples = resamples
    self.fitted = fitted
    self.low = low
    self.median = median
    self.high = high
    self.seed = seed
  }

  /// A seed derived from text (FNV-1a over the label, started from `base`), so each curve's
  /// resamples do not depend on which other curves the report holds.
  public static func seed(_ base: UInt64, label: String) -> UInt64 {
    var hash = FNV1a(startingAt: FNV1a.offsetBasis ^ base)
    for byte in label.utf8 { hash.combine(byte) }
    return hash.value
  }

  /// Resamples `cells` (batch size, each trial's first step meeting the goal or nil) `resamples`
  /// times; nil if fewer than half of the resamples could be fitted.
  public static func estimate(
    cells: [(batchSize: Int, firstSteps: [Int?])], resamples: Int, seed: UInt64
  ) -> BootstrapInterval? {
    guard resamples > 0 else { return nil }
    var generator = SplitMix64(seed: seed)
    var estimates: [Double] = []
    estimates.reserveCapacity(resamples)
    let columns = cells.filter { !$0.firstSteps.isEmpty }
    var points: [(batchSize: Double, steps: Double)] = []
    for _ in 0..<resamples {
      points.removeAll(keepingCapacity: true)
      for cell in columns {
        let steps = cell.firstSteps
        var best = Int.max
        for _ in 0..<steps.count {
          if let s = steps[Int(generator.next() % UInt64(steps.count))], s < best { best = s }
        }
        if best != Int.max { points.append((Double(cell.batchSize), Double(best))) }
      }
      if let fit = ScalingFit.fit(points) { estimates.append(fit.noiseScale) }
    }
    guard estimates.count * 2 >= resamples else { return nil }
    estimates.sort()
    return BootstrapInterval(
      resamples: resamples, fitted: estimates.count, low: percentile(estimates, 0.16),
      median: percentile(estimates, 0.5), high: percentile(estimates, 0.84), seed: seed)
  }

  /// Linear interpolation between order statistics of sorted `values`.
  static func percentile(_ values: [Double], _ p: Double) -> Double {
    let position = p * Double(values.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, values.count - 1)
    let t = position - Double(lower)
    return values[lower] * (1 - t) + values[upper] * t
  }
}
