import Foundation
import Planning
import Testing
import Training

@testable import StepwiseCLI

/// `stepwise probe` on the tiny study: one row per sparsity, the noise scale at step 0 and at
/// every `--every` steps of the short run, a prediction and a range, the same numbers twice.
@Suite(.serialized) struct ProbeCommandTests {
  static func probe(lipschitz: Int? = nil) throws -> StudyProbe.Result {
    let plan = try #require(PlanFrontend().load(path: RunCommandTests.tiny).plan)
    let options = StudyProbe.Options(
      batchSize: nil, learningRate: nil, steps: 40, everySteps: 20, smallBatch: 8, bigBatch: 64,
      draws: 4, lipschitzExamples: lipschitz, workers: 1, threads: 1)
    return try StudyProbe(plan: plan, options: options, store: nil, note: { _ in }).execute()
  }

  @Test(.enabled(if: RunCommandTests.hasData))
  func rowsPerSparsityWithAPredictionAndTheSameNumbersTwice() throws {
    let r = try Self.probe(lipschitz: 500)
    #expect(r.rows.map(\.sparsity) == [0, 0.5])
    #expect(r.rows.map(\.maskSource) == ["dense", "computed"])
    for row in r.rows {
      // tiny.yaml: batch sizes 32 and 128, so the geometric middle 64 is a tie; the smaller wins.
      #expect(row.batchSize == 32)
      // learning rate: the geometric middle of [0.01, 0.2]; momentum fixed at 0.9.
      #expect(abs((row.metaparameters[.learningRate] ?? 0) - (0.01 * 0.2).squareRoot()) < 1e-9)
      #expect(row.metaparameters[.momentum] == 0.9)
      #expect(row.measurements.map(\.step) == [0, 20, 40])
      #expect(row.measurements.allSatisfy { $0.estimate.draws == 4 })
      #expect(row.lipschitz?.step == 40 && row.lipschitz?.examples == 500)
      #expect(row.validationError != nil)
    }
    let again = try Self.probe(lipschitz: 500)
    #expect(
      again.rows.map { $0.measurements.map(\.estimate) }
        == r.rows.map { $0.measurements.map(\.estimate) })
    let json = ProbeJSONView().render(r)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect((object["rows"] as? [Any])?.count == 2)
    let text = ProbeHumanView().render(r)
    #expect(text.contains("B_noise@40") && text.contains("pred. B_crit"))
  }

  @Test func recommendedRangeSpansAnEighthToEightTimes() {
    func row(_ b: Double?) -> StudyProbe.Row {
      var estimate = NoiseEstimateFixture.make(noiseScale: b ?? -1)
      if b == nil { estimate.gradientSquaredNorm = -1 }
      return StudyProbe.Row(
        optimizer: "sgd", sparsity: 0, batchSize: 64, metaparameters: [:],
        measurements: [.init(step: 10, estimate: estimate, seconds: 0)], lipschitz: nil,
        validationError: nil, maskSource: "dense", seconds: 0)
    }
    let options = StudyProbe.Options(
      batchSize: nil, learningRate: nil, steps: 1, everySteps: 1, smallBatch: 1, bigBatch: 2,
      draws: 2, lipschitzExamples: nil, workers: 1, threads: 1)
    let r = StudyProbe.Result(
      workload: "w", rows: [row(100), row(900), row(nil)], options: options,
      studyBatchSizes: [2, 16384], seconds: 0)
    #expect(r.rows.map(\.predictedCriticalBatchSize) == [100, 900, nil])
    // 100 / 8 = 12.5 -> 8; 900 * 8 = 7200 -> 8192.
    #expect(r.recommendedRange == 8...8192)
  }
}

enum NoiseEstimateFixture {
  /// An estimate whose ratio is `noiseScale` (|G|^2 = 1).
  static func make(noiseScale: Double) -> NoiseScaleEstimate {
    var a = NoiseScaleAccumulator(smallBatch: 1, bigBatch: 2)
    // s = 1 + t, b = 1 + t/2 gives |G|^2 = 1 and tr = t.
    a.add(smallSquaredNorm: 1 + noiseScale, bigSquaredNorm: 1 + noiseScale / 2)
    return a.estimate
  }
}
