import Foundation

/// McCandlish et al. (2018)'s relation S(B) = S_min (1 + B_noise / B), fitted to one curve.
///
/// **Method.** Least squares in log space: minimise Σ (ln S_i − ln S_min − ln(1 + B_noise/B_i))²
/// over the curve's points, unweighted (steps-to-result spans orders of magnitude, and its noise is
/// multiplicative). For a fixed B_noise the best ln S_min is the mean of ln S_i − ln(1 + B_noise/B_i),
/// so the fit is a one-dimensional search over ln B_noise: a grid of 241 points over
/// [B_min / 2^10, B_max · 2^10], refined by golden-section search between the best point's
/// neighbours. If the optimum lies on the grid's edge, the data do not pin B_noise down (perfect
/// scaling throughout, or no scaling at all) and `bound` says which edge.
///
/// The critical batch size is B_crit = B_noise = E_min / S_min, where E_min = S_min · B_noise is
/// the fewest examples (B·S) needed, approached at small batches.
public struct ScalingFit: Hashable, Sendable, Codable {
  public enum Bound: String, Hashable, Sendable, Codable {
    /// B_noise at the search's upper edge: perfect scaling over the whole measured range.
    case above
    /// B_noise at the lower edge: steps hardly fall with the batch size anywhere.
    case below
  }

  public var stepsMin: Double
  public var noiseScale: Double
  /// Root-mean-square residual in ln(steps).
  public var rmsLogResidual: Double
  public var pointCount: Int
  public var bound: Bound?

  /// B_crit = B_noise.
  public var criticalBatchSize: Double { noiseScale }
  /// E_min = S_min · B_noise: the fewest training examples needed to reach the goal.
  public var examplesMin: Double { stepsMin * noiseScale }

  /// The fitted steps at batch size `b`.
  public func steps(atBatchSize b: Double) -> Double { stepsMin * (1 + noiseScale / b) }

  public init(
    stepsMin: Double, noiseScale: Double, rmsLogResidual: Double, pointCount: Int, bound: Bound?
  ) {
    self.stepsMin = stepsMin
    self.noiseScale = noiseScale
    self.rmsLogResidual = rmsLogResidual
    self.pointCount = pointCount
    self.bound = bound
  }

  /// The fewest distinct batch sizes a fit needs: two parameters, and one point to spare.
  public static let minimumPoints = 3

  /// Fits `points` (batch size, steps); nil with fewer than `minimumPoints` distinct batch sizes
  /// or any non-positive value.
  public static func fit(_ points: [(batchSize: Double, steps: Double)]) -> ScalingFit? {
    guard points.allSatisfy({ $0.batchSize > 0 && $0.steps > 0 }) else { return nil }
    guard Set(points.map(\.batchSize)).count >= minimumPoints else { return nil }
    let batches = points.map(\.batchSize)
    let logSteps = points.map { Foundation.log($0.steps) }
    guard let smallest = batches.min(), let largest = batches.max() else { return nil }
    let lower = Foundation.log(smallest) - 10 * Foundation.log(2.0)
    let upper = Foundation.log(largest) + 10 * Foundation.log(2.0)

    /// Sum of squared residuals and the best ln S_min, for B_noise = e^u.
    func profile(_ u: Double) -> (sse: Double, logStepsMin: Double) {
      let noise = Foundation.exp(u)
      var sum = 0.0
      for i in batches.indices { sum += logSteps[i] - Foundation.log1p(noise / batches[i]) }
      let a = sum / Double(batches.count)
      var sse = 0.0
      for i in batches.indices {
        let r = logSteps[i] - a - Foundation.log1p(noise / batches[i])
        sse += r * r
      }
      return (sse, a)
    }

    let gridCount = 241
    let grid = (0..<gridCount).map { lower + (upper - lower) * Double($0) / Double(gridCount - 1) }
    var bestIndex = 0
    var bestSSE = Double.infinity
    for (i, u) in grid.enumerated() {
      let sse = profile(u).sse
      if sse < bestSSE {
        bestSSE = sse
        bestIndex = i
      }
    }
    var a = grid[max(0, bestIndex - 1)]
    var b = grid[min(gridCount - 1, bestIndex + 1)]
    let ratio = (Foundation.sqrt(5.0) - 1) / 2
    var c = b - ratio * (b - a)
    var d = a + ratio * (b - a)
    for _ in 0..<80 {
      if profile(c).sse < profile(d).sse { b = d } else { a = c }
      c = b - ratio * (b - a)
      d = a + ratio * (b - a)
    }
    let u = (a + b) / 2
    let best = profile(u)
    let bound: Bound? =
      bestIndex == gridCount - 1 ? .above : (bestIndex == 0 ? .below : nil)
    return ScalingFit(
      stepsMin: Foundation.exp(best.logStepsMin), noiseScale: Foundation.exp(u),
      rmsLogResidual: Foundation.sqrt(best.sse / Double(batches.count)),
      pointCount: batches.count, bound: bound)
  }
}
