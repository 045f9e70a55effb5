import Foundation
import Testing
import WorkloadModel

@testable import Training

/// One real training run in the fast suite: Lee et al.'s Simple-CNN on MNIST, plain SGD with a
/// known-good learning rate (0.1, batch 64), reaches under 3% validation error on the whole
/// 6,000-image validation split, within 1,500 steps (reached at step 400 when written).
@Suite(.serialized, .enabled(if: TrialFixtures.hasMNIST)) struct MNISTTrainingTests {
  @Test func simpleCNNReachesUnderThreePercentValidationError() {
    let spec = TrialFixtures.spec(
      batchSize: 64, metaparameters: [.learningRate: 0.1], maxSteps: 1500, evaluateEvery: 100,
      goal: Goal(comparison: .below, threshold: 0.03), initSeed: 0, holdout: 6000)
    let recorder = Recorder()
    let clock = ContinuousClock()
    var report: TrialReport?
    let elapsed = clock.measure {
      report = TrialRunner(configuration: TrainerConfiguration(checkpointEverySteps: 0)).run(
        spec, monitor: recorder.monitor())
    }
    guard let report else { return }
    guard case .reached(let step) = report.end else {
      Issue.record("ended \(report.end); curve \(recorder.events.map(\.validationError))")
      return
    }
    #expect(step <= 1500)
    #expect((recorder.events.last?.validationError ?? 1) < 0.03)
    let evalSeconds = recorder.events.map(\.evaluationSeconds)
    print(
      "Simple-CNN MNIST SGD lr 0.1 B 64: reached < 3% at step \(step) in \(elapsed); "
        + "\(Int(report.examplesPerSecond)) examples/s; evaluation of 6,000 images "
        + "\(evalSeconds.min() ?? 0)...\(evalSeconds.max() ?? 0) s; peak RSS "
        + "\((peakResidentBytes() ?? 0) / 1_048_576) MiB; curve "
        + recorder.events.map { String(format: "%d:%.4f", $0.step, $0.validationError) }
        .joined(separator: " "))
    // Peak RSS is measured for this test alone in its own process (see the module README);
    // here other suites share the process, so it is only printed.
  }
}
