import Collectives
import Foundation
import Network
import Primitives
import StepwiseTestSupport
import Testing

@testable import Training

/// McCandlish et al.'s two-batch estimators on synthetic per-example gradients with known |G|^2
/// and tr(Sigma), and on Simple-CNN through the trainer's data-parallel path.
@Suite struct NoiseScaleEstimatorTests {
  /// Per-example gradients g = G + e, e ~ N(0, diag(sigma^2)): |G|^2 and tr(Sigma) known.
  struct Synthetic {
    var mean: [Double]
    var sigma: [Double]
    var squaredNorm: Double { mean.reduce(0) { $0 + $1 * $1 } }
    var trace: Double { sigma.reduce(0) { $0 + $1 * $1 } }

    /// One draw's small and big mean gradients (the small batch is the big one's first part,
    /// as the probe draws them).
    func draw(small: Int, big: Int, rng: inout SplitMix64) -> (small: [Float], big: [Float]) {
      let n = mean.count
      var sum = [Double](repeating: 0, count: n)
      var smallMean = [Float](repeating: 0, count: n)
      for k in 0..<big {
        for j in 0..<n { sum[j] += mean[j] + sigma[j] * rng.nextNormal() }
        if k == small - 1 { smallMean = sum.map { Float($0 / Double(small)) } }
      }
      return (smallMean, sum.map { Float($0 / Double(big)) })
    }

    func estimate(small: Int, big: Int, draws: Int, seed: UInt64, mask: [Float]? = nil)
      -> NoiseScaleEstimate
    {
      var rng = SplitMix64(seed: seed)
      var accumulator = NoiseScaleAccumulator(smallBatch: small, bigBatch: big)
      for _ in 0..<draws {
        let d = draw(small: small, big: big, rng: &rng)
        (mask ?? []).withUnsafeBufferPointer { m in
          accumulator.add(
            small: d.small, big: d.big, mask: mask == nil ? nil : m.baseAddress,
            count: mean.count)
        }
      }
      return accumulator.estimate
    }
  }

  static let synthetic = Synthetic(
    mean: (0..<12).map { 0.3 * sin(Double($0) + 1) },
    sigma: (0..<12).map { 0.5 + 0.1 * Double($0) })

  /// Over many seeds, the mean of each estimate is within 4 standard errors of the truth, and
  /// the standard error each estimate reports matches the spread across seeds.
  @Test func unbiasedOverManySeeds() {
    let f = Self.synthetic
    let seeds = 300
    var g: [Double] = []
    var t: [Double] = []
    var reportedG = 0.0
    var reportedT = 0.0
    for seed in 0..<seeds {
      let e = f.estimate(small: 4, big: 16, draws: 10, seed: UInt64(seed) &+ 1000)
      #expect(e.draws == 10)
      g.append(e.gradientSquaredNorm)
      t.append(e.traceCovariance)
      reportedG += e.gradientSquaredNormError * e.gradientSquaredNormError
      reportedT += e.traceCovarianceError * e.traceCovarianceError
    }
    func meanAndSpread(_ x: [Double]) -> (mean: Double, variance: Double) {
      let m = x.reduce(0, +) / Double(x.count)
      return (m, x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1))
    }
    let (gm, gv) = meanAndSpread(g)
    let (tm, tv) = meanAndSpread(t)
    let gse = (gv / Double(seeds)).squareRoot()
    let tse = (tv / Double(seeds)).squareRoot()
    #expect(abs(gm - f.squaredNorm) < 4 * gse, "|G|^2: \(gm) ± \(gse), truth \(f.squaredNorm)")
    #expect(abs(tm - f.trace) < 4 * tse, "tr(Sigma): \(tm) ± \(tse), truth \(f.trace)")
    // Each estimate's own standard error squared, averaged, is the variance across seeds.
    let gRatio = (reportedG / Double(seeds)) / gv
    let tRatio = (reportedT / Double(seeds)) / tv
    #expect(gRatio > 0.75 && gRatio < 1.33, "reported/actual variance of |G|^2: \(gRatio)")
    #expect(tRatio > 0.75 && tRatio < 1.33, "reported/actual variance of tr(Sigma): \(tRatio)")
  }

  /// With many draws the ratio approaches tr(Sigma)/|G|^2.
  @Test func noiseScaleConvergesToTheRatio() {
    let f = Self.synthetic
    let e = f.estimate(small: 8, big: 64, draws: 3000, seed: 99)
    let truth = f.trace / f.squaredNorm
    #expect(abs(e.noiseScale - truth) / truth < 0.05, "\(e.noiseScale) vs \(truth)")
    #expect(abs(e.meanSmallSquaredNorm - (f.squaredNorm + f.trace / 8)) < 0.05 * f.trace / 8)
  }

  /// Pruned entries contribute nothing: with a mask, the estimate over the full vectors equals,
  /// bit for bit, the estimate over the kept entries alone, however large the pruned ones are.
  @Test func maskedEntriesContributeNothing() {
    let n = 12
    let mask: [Float] = (0..<n).map { $0 % 4 == 1 ? 0 : 1 }
    let kept = (0..<n).filter { mask[$0] != 0 }
    var wide = Self.synthetic
    for j in 0..<n where mask[j] == 0 {
      wide.mean[j] = 50
      wide.sigma[j] = 80
    }
    var rng = SplitMix64(seed: 5)
    var masked = NoiseScaleAccumulator(smallBatch: 2, bigBatch: 10)
    var compact = NoiseScaleAccumulator(smallBatch: 2, bigBatch: 10)
    var unmasked = NoiseScaleAccumulator(smallBatch: 2, bigBatch: 10)
    for _ in 0..<20 {
      let d = wide.draw(small: 2, big: 10, rng: &rng)
      masked.add(small: d.small, big: d.big, mask: mask, count: n)
      compact.add(
        small: kept.map { d.small[$0] }, big: kept.map { d.big[$0] }, mask: nil,
        count: kept.count)
      unmasked.add(small: d.small, big: d.big, mask: nil, count: n)
    }
    #expect(masked.estimate == compact.estimate)
    #expect(unmasked.estimate.traceCovariance > 10 * masked.estimate.traceCovariance)
  }

  // MARK: Through the trainer's gradients

  /// Draws on the PyTorch fixture's split through `ProbeGradients.noiseDraw` over `comm`.
  static func modelEstimate(comm: any Communicator) throws -> NoiseScaleEstimate {
    let c = try LipschitzEstimatorTests.fixture()
    let description = try #require(ModelDescription.named(c.model))
    let data = LipschitzEstimatorTests.split(c, description: description)
    let model = try LipschitzEstimatorTests.model(c, description: description)
    let gradients = ProbeGradients(model: model, comm: comm, train: data, largestBatch: 12)
    var generator = LandscapeProbes.noiseGenerator(dataSeed: 3, step: 0)
    var accumulator = NoiseScaleAccumulator(smallBatch: 3, bigBatch: 12)
    for _ in 0..<4 {
      try gradients.noiseDraw(small: 3, big: 12, generator: &generator, into: &accumulator)
    }
    return accumulator.estimate
  }

  /// The model's draws are the synthetic test's sums done by the network: |G_small|^2 from the
  /// small batch alone, against a direct computation on the same drawn indices.
  @Test func modelDrawMatchesDirectComputation() throws {
    let c = try LipschitzEstimatorTests.fixture()
    let description = try #require(ModelDescription.named(c.model))
    let data = LipschitzEstimatorTests.split(c, description: description)
    let e = try Self.modelEstimate(comm: SingleRank())
    // Recompute draw by draw with plain trainStep calls on gathered batches.
    let model = try LipschitzEstimatorTests.model(c, description: description)
    var generator = LandscapeProbes.noiseGenerator(dataSeed: 3, step: 0)
    var accumulator = NoiseScaleAccumulator(smallBatch: 3, bigBatch: 12)
    let size = data.imageSize
    for _ in 0..<4 {
      let drawn = (0..<12).map { _ in generator.nextIndex(below: data.count) }
      func meanGradient(_ indices: ArraySlice<Int>) throws -> [Float] {
        let x = indices.flatMap { data.pixels[($0 * size)..<(($0 + 1) * size)] }
        let y = indices.map { data.labels[$0] }
        _ = try model.trainStep(input: x, labels: y, count: indices.count)
        return model.store.gradientArray()
      }
      let small = try meanGradient(drawn[0..<3])
      let big = try meanGradient(drawn[0..<12])
      accumulator.add(
        small: small, big: big, mask: model.store.masks, count: model.store.count)
    }
    let direct = accumulator.estimate
    #expect(
      abs(e.meanSmallSquaredNorm - direct.meanSmallSquaredNorm) / direct.meanSmallSquaredNorm < 1e-5
    )
    #expect(
      abs(e.meanBigSquaredNorm - direct.meanBigSquaredNorm) / direct.meanBigSquaredNorm < 1e-5)
  }

  @Test func twoWorkersEqualOne() throws {
    let one = try Self.modelEstimate(comm: SingleRank())
    let ranks = try resultsOnThreads(2) { comm in try Self.modelEstimate(comm: comm) }
    let a = ranks[0]
    #expect(a == ranks[1])
    #expect(
      abs(a.meanSmallSquaredNorm - one.meanSmallSquaredNorm) / one.meanSmallSquaredNorm < 1e-5)
    #expect(abs(a.meanBigSquaredNorm - one.meanBigSquaredNorm) / one.meanBigSquaredNorm < 1e-5)
    #expect(abs(a.traceCovariance - one.traceCovariance) / abs(one.traceCovariance) < 1e-4)
  }
}
