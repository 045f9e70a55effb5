import Analysis
import Foundation
import Primitives
import Testing

@Suite struct ScalingTests {
  static func curve(stepsMin: Double, noise: Double, batches: [Double]) -> [(Double, Double)] {
    batches.map { ($0, stepsMin * (1 + noise / $0)) }
  }

  static let batches = (1...14).map { pow(2.0, Double($0)) }

  @Test(arguments: [16.0, 256.0, 2048.0])
  func recoversExactParameters(noise: Double) throws {
    let points = Self.curve(stepsMin: 100, noise: noise, batches: Self.batches)
    let fit = try #require(ScalingFit.fit(points.map { (batchSize: $0.0, steps: $0.1) }))
    #expect(abs(fit.criticalBatchSize / noise - 1) < 1e-3)
    #expect(abs(fit.stepsMin / 100 - 1) < 1e-3)
    #expect(fit.bound == nil)
    #expect(fit.rmsLogResidual < 1e-4)
  }

  @Test func recoversParametersFromNoisyData() throws {
    var rng = SplitMix64(seed: 7)
    let points = Self.curve(stepsMin: 300, noise: 512, batches: Self.batches).map { b, s in
      // Multiplicative noise of about ±10 %.
      let u = Double(rng.next() % 1_000_000) / 1_000_000
      return (batchSize: b, steps: s * exp(0.2 * (u - 0.5)))
    }
    let fit = try #require(ScalingFit.fit(points))
    #expect(abs(log(fit.criticalBatchSize / 512)) < log(1.3))
    #expect(abs(log(fit.stepsMin / 300)) < log(1.2))
  }

  @Test func perfectScalingThroughoutHitsTheUpperEdge() throws {
    let points = Self.batches.prefix(6).map { (batchSize: $0, steps: 1e5 / $0) }
    let fit = try #require(ScalingFit.fit(points))
    #expect(fit.bound == .above)
  }

  @Test func tooFewPointsGiveNoFit() {
    #expect(ScalingFit.fit([(2, 100), (4, 50)]) == nil)
  }

  @Test func bootstrapIntervalContainsTheTruth() throws {
    // Each cell: 30 trials whose first crossings scatter above the true S(B) by a random factor.
    var rng = SplitMix64(seed: 3)
    let noise = 256.0
    let cells = Self.batches.map { b -> (batchSize: Int, firstSteps: [Int?]) in
      let truth = 200 * (1 + noise / b)
      let steps = (0..<30).map { _ -> Int? in
        let u = Double(rng.next() % 1_000_000) / 1_000_000
        return u < 0.3 ? nil : Int((truth * exp(1.5 * u)).rounded())
      }
      return (Int(b), steps)
    }
    let interval = try #require(BootstrapInterval.estimate(cells: cells, resamples: 200, seed: 1))
    #expect(interval.fitted == 200)
    #expect(interval.low <= noise && noise <= interval.high)
    #expect(interval.low < interval.median && interval.median < interval.high)
    let again = try #require(BootstrapInterval.estimate(cells: cells, resamples: 200, seed: 1))
    #expect(again == interval)
  }

  @Test func regionsFollowTheStatedRule() {
    let points = [(2, 1000), (4, 500), (8, 300), (16, 260), (32, 255)]
    let (regions, leaves) = RegionRule(factor: 2, plateauGain: 0.1).classify(points)
    #expect(
      regions == [
        .perfectScaling, .perfectScaling, .perfectScaling, .diminishingReturns,
        .maximalDataParallelism,
      ])
    #expect(leaves == 16)
  }
}
