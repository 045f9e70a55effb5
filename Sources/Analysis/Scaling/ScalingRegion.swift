/// Shallue et al.'s three regions of a steps-to-result curve.
public enum ScalingRegion: String, Hashable, Sendable, Codable, CaseIterable {
  /// Within `factor` of the perfect-scaling line: doubling the batch about halves the steps.
  case perfectScaling = "perfect-scaling"
  /// Off the line, but still clearly fewer steps than at any smaller batch size.
  case diminishingReturns = "diminishing-returns"
  /// Off the line, and no more than `plateauGain` fewer steps than the best smaller batch size.
  case maximalDataParallelism = "maximal-data-parallelism"
}

/// The rule that classifies a curve's measured points; both thresholds are reported.
///
/// With the perfect-scaling line P(B) = S(B0) · B0 / B anchored at the curve's smallest batch
/// size B0 that has a point (as in Shallue et al.'s plots):
/// - perfect scaling: S(B) ≤ factor · P(B);
/// - maximal data parallelism: otherwise, if S(B) ≥ (1 − plateauGain) · min over B' < B of S(B');
/// - diminishing returns: otherwise.
/// The curve leaves perfect scaling at the first B with S(B) > factor · P(B).
public struct RegionRule: Hashable, Sendable, Codable {
  public var factor: Double
  public var plateauGain: Double

  public init(factor: Double = 2, plateauGain: Double = 0.1) {
    self.factor = factor
    self.plateauGain = plateauGain
  }

  /// Regions of `points` (batch size, steps), which must be sorted by batch size, and the first
  /// batch size off the perfect-scaling line.
  public func classify(_ points: [(batchSize: Int, steps: Int)]) -> (
    regions: [ScalingRegion], leavesPerfectScalingAt: Int?
  ) {
    guard let anchor = points.first else { return ([], nil) }
    var regions: [ScalingRegion] = []
    var leaves: Int?
    var bestSoFar = Double.infinity
    for point in points {
      let steps = Double(point.steps)
      let perfect = Double(anchor.steps) * Double(anchor.batchSize) / Double(point.batchSize)
      if steps <= factor * perfect {
        regions.append(.perfectScaling)
      } else {
        if leaves == nil { leaves = point.batchSize }
        regions.append(
          steps >= (1 - plateauGain) * bestSoFar ? .maximalDataParallelism : .diminishingReturns)
      }
      bestSoFar = min(bestSoFar, steps)
    }
    return (regions, leaves)
  }
}
