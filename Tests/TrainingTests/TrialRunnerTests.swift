import Foundation
import Planning
import Testing
import WorkloadModel

@testable import Training

/// The trainer on real MNIST: determinism, data-parallel equivalence, checkpoints, early stop,
/// divergence, give-up and input errors.
@Suite(.serialized, .enabled(if: TrialFixtures.hasMNIST)) struct TrialRunnerTests {
  static func parameters(_ bytes: [UInt8]) throws -> [Float] {
    try TrainingCheckpoint(decoding: bytes).parameters
  }

  @Test func sameSeedSameCurveBitForBit() throws {
    let spec = TrialFixtures.spec(maxSteps: 30, evaluateEvery: 10)
    let config = TrainerConfiguration(checkpointEverySteps: 30)
    let a = Recorder()
    let b = Recorder()
    let first = TrialRunner(configuration: config).run(spec, monitor: a.monitor())
    let second = TrialRunner(configuration: config).run(spec, monitor: b.monitor())
    #expect(first.end == .budgetSpent(step: 30) && second.end == first.end)
    #expect(a.events.count == 3 && a.events.map(\.step) == [10, 20, 30])
    #expect(
      a.events.map { [$0.validationError, $0.validationLoss, $0.trainingLoss] }
        == b.events.map { [$0.validationError, $0.validationLoss, $0.trainingLoss] })
    #expect(a.checkpoints.map(\.bytes) == b.checkpoints.map(\.bytes))
    #expect(a.checkpoints.count == 1)
    // A different data seed gives a different curve.
    let c = Recorder()
    _ = TrialRunner(configuration: config).run(
      TrialFixtures.spec(maxSteps: 30, evaluateEvery: 10, dataSeed: 1), monitor: c.monitor())
    #expect(c.events.map(\.trainingLoss) != a.events.map(\.trainingLoss))
  }

  /// W workers on a global batch B take the same step as 1 worker on B (up to the summation
  /// order of the all-reduce): relative error of the parameter change under 1e-5.
  @Test(arguments: [(2, 64), (2, 63), (3, 64)])
  func workersTakeTheSameStepAsOneWorker(workers: Int, batch: Int) throws {
    let spec = TrialFixtures.spec(
      batchSize: batch, optimizer: .nesterov,
      metaparameters: [.learningRate: 0.05, .momentum: 0.9],
      maxSteps: 3, evaluateEvery: 3)
    var results: [[Float]] = []
    var initial: [Float] = []
    for w in [1, workers] {
      let recorder = Recorder()
      let config = TrainerConfiguration(workers: w, checkpointEverySteps: 1)
      let report = TrialRunner(configuration: config).run(spec, monitor: recorder.monitor())
      #expect(report.end == .budgetSpent(step: 3))
      let checkpoints = recorder.checkpoints
      #expect(checkpoints.map(\.step) == [1, 2, 3])
      results.append(try Self.parameters(try #require(checkpoints.first).bytes))
      if w == 1 {
        // Parameters before any step: a 0-step budget is not allowed, so rebuild them from a run
        // whose learning rate is zero.
        var zero = spec
        zero.metaparameters[.learningRate] = 0
        let r = Recorder()
        _ = TrialRunner(configuration: config).run(zero, monitor: r.monitor())
        initial = try Self.parameters(try #require(r.checkpoints.first).bytes)
      }
    }
    var diff = 0.0
    var norm = 0.0
    for i in 0..<initial.count {
      let d1 = Double(results[0][i] - initial[i])
      let d2 = Double(results[1][i] - initial[i])
      diff += (d1 - d2) * (d1 - d2)
      norm += d1 * d1
    }
    let relative = (diff / norm).squareRoot()
    #expect(norm > 0)
    #expect(relative < 1e-5, "relative error \(relative)")
    var parameterDiff: Float = 0
    for i in 0..<initial.count {
      parameterDiff = max(parameterDiff, abs(results[0][i] - results[1][i]))
    }
    print(
      "workers \(workers) batch \(batch): step relative error \(relative), max |dw| \(parameterDiff)"
    )
  }

  /// Under a 90% mask on the sparse kernels, 2 workers (the packed all-reduce of kept entries)
  /// take the same steps as 1 worker, and report the bytes they reduce.
  @Test func sparseWorkersTakeTheSameStepsAsOneWorker() throws {
    let spec = TrialFixtures.spec(
      batchSize: 64, optimizer: .nesterov,
      metaparameters: [.learningRate: 0.05, .momentum: 0.9], maxSteps: 4, evaluateEvery: 4)
    let count = 62_346  // Simple-CNN
    let mask = (0..<count).map { i -> Float in (i &* 2_654_435_761) % 1000 < 900 ? 0 : 1 }
    var finals: [[Float]] = []
    for w in [1, 2] {
      let recorder = Recorder()
      let config = TrainerConfiguration(workers: w, checkpointEverySteps: 4)
      let report = TrialRunner(configuration: config).run(
        spec, mask: mask, monitor: recorder.monitor())
      #expect(report.end == .budgetSpent(step: 4))
      #expect(report.layerPaths.count == 3)
      let kept = mask.filter { $0 != 0 }.count
      #expect(report.allReduceBytesPerStep == (w == 1 ? 0 : kept * 4))
      let parameters = try Self.parameters(try #require(recorder.checkpoints.last).bytes)
      #expect(zip(parameters, mask).allSatisfy { $1 != 0 || $0 == 0 })
      finals.append(parameters)
    }
    let scale = finals[0].map { Double(abs($0)) }.max() ?? 1
    let error = zip(finals[0], finals[1]).map { Double(abs($0 - $1)) }.max() ?? 0
    #expect(error / scale < 1e-5, "max parameter difference \(error) of \(scale)")
  }

  @Test func twoWorkersAreDeterministicToo() throws {
    let spec = TrialFixtures.spec(maxSteps: 20, evaluateEvery: 10)
    let config = TrainerConfiguration(workers: 2, checkpointEverySteps: 20)
    let a = Recorder()
    let b = Recorder()
    _ = TrialRunner(configuration: config).run(spec, monitor: a.monitor())
    _ = TrialRunner(configuration: config).run(spec, monitor: b.monitor())
    #expect(!a.checkpoints.isEmpty && a.checkpoints.map(\.bytes) == b.checkpoints.map(\.bytes))
    #expect(a.events.map(\.validationLoss) == b.events.map(\.validationLoss))
  }

  @Test func resumingFromACheckpointEqualsTheUninterruptedRun() throws {
    let spec = TrialFixtures.spec(
      optimizer: .momentum, metaparameters: [.learningRate: 0.02, .momentum: 0.9], maxSteps: 60,
      evaluateEvery: 20)
    let config = TrainerConfiguration(checkpointEverySteps: 10)
    let whole = Recorder()
    let report = TrialRunner(configuration: config).run(spec, monitor: whole.monitor())
    #expect(report.end == .budgetSpent(step: 60))
    // Resume from the checkpoint at step 30 (between evaluations: the loss accumulators matter).
    let at30 = try #require(whole.checkpoints.first { $0.step == 30 })
    let resumed = Recorder()
    let rest = TrialRunner(configuration: config).run(
      spec, resumingFrom: at30.bytes, monitor: resumed.monitor())
    #expect(rest.end == .budgetSpent(step: 60))
    #expect(resumed.events.map(\.step) == [40, 60])
    #expect(
      resumed.events.map { [$0.validationError, $0.validationLoss, $0.trainingLoss] }
        == whole.events.suffix(2).map { [$0.validationError, $0.validationLoss, $0.trainingLoss] })
    #expect(resumed.checkpoints.last?.bytes == whole.checkpoints.last?.bytes)
  }

  @Test func anInterruptCheckpointsAndResumesExactly() throws {
    let spec = TrialFixtures.spec(maxSteps: 40, evaluateEvery: 20)
    let config = TrainerConfiguration(checkpointEverySteps: 40)
    let whole = Recorder()
    _ = TrialRunner(configuration: config).run(spec, monitor: whole.monitor())
    let counter = Counter()
    let first = Recorder()
    let cut = TrialRunner(configuration: config).run(
      spec, monitor: first.monitor(poll: { counter.next() >= 25 ? .interrupt : .proceed }))
    #expect(cut.end == .interrupted(step: 25))
    let saved = try #require(first.checkpoints.last)
    #expect(saved.step == 25)
    let second = Recorder()
    let rest = TrialRunner(configuration: config).run(
      spec, resumingFrom: saved.bytes, monitor: second.monitor())
    #expect(rest.end == .budgetSpent(step: 40))
    #expect(second.checkpoints.last?.bytes == whole.checkpoints.last?.bytes)
    #expect(second.events.last?.validationLoss == whole.events.last?.validationLoss)
  }

  @Test func exactEarlyStopEndsDominatedAtTheGivenStep() {
    let recorder = Recorder()
    let report = TrialRunner(configuration: TrainerConfiguration(checkpointEverySteps: 0)).run(
      TrialFixtures.spec(maxSteps: 200, evaluateEvery: 10),
      monitor: recorder.monitor(control: { $0.step == 10 ? .stop(atStep: 30) : .proceed }))
    #expect(report.end == .dominated(step: 30))
    #expect(recorder.events.map(\.step) == [10, 20, 30])
    #expect(report.steps == 30)
  }

  @Test func aHugeLearningRateDiverges() {
    let report = TrialRunner().run(
      TrialFixtures.spec(metaparameters: [.learningRate: 1e9], maxSteps: 200, evaluateEvery: 50))
    guard case .diverged(let step) = report.end else {
      Issue.record("ended \(report.end)")
      return
    }
    #expect(step < 200)
  }

  @Test func giveUpRulesAndGoalsEndTheTrial() {
    let rule = GiveUpRule(step: 20, above: 0.5)
    let gaveUp = TrialRunner().run(
      TrialFixtures.spec(
        metaparameters: [.learningRate: 1e-6], maxSteps: 100, evaluateEvery: 10, giveUp: [rule]))
    #expect(gaveUp.end == .gaveUp(step: 20, rule: rule))
    let reached = TrialRunner().run(
      TrialFixtures.spec(
        maxSteps: 100, evaluateEvery: 10, goal: Goal(comparison: .below, threshold: 0.95)))
    #expect(reached.end == .reached(step: 10))
  }

  @Test func inputErrorsFailWithAMessage() {
    let missing = TrialRunner().run(TrialFixtures.spec(directory: "/nonexistent/mnist"))
    guard case .failed(let message) = missing.end else {
      Issue.record("ended \(missing.end)")
      return
    }
    #expect(message.contains("/nonexistent/mnist") && message.contains("STEPWISE_DATA"))
    let noMomentum = TrialRunner().run(TrialFixtures.spec(optimizer: .nesterov))
    #expect(
      noMomentum.end
        == .failed(
          message: "metaparameter 'momentum' is missing or not "
            + "finite for optimizer 'nesterov' with schedule 'constant'"))
    let badMask = TrialRunner().run(TrialFixtures.spec(), mask: [1, 0, 1])
    guard case .failed(let maskMessage) = badMask.end else {
      Issue.record("ended \(badMask.end)")
      return
    }
    #expect(maskMessage.contains("62346 parameters"))
    let badCheckpoint = TrialRunner().run(TrialFixtures.spec(), resumingFrom: [1, 2, 3])
    guard case .failed(let checkpointMessage) = badCheckpoint.end else {
      Issue.record("ended \(badCheckpoint.end)")
      return
    }
    #expect(checkpointMessage.contains("damaged"))
  }

  @Test func aMaskKeepsPrunedParametersAtZero() throws {
    let count = 62_346
    let mask = (0..<count).map { Float($0 % 3 == 0 ? 0 : 1) }
    let recorder = Recorder()
    let report = TrialRunner(configuration: TrainerConfiguration(checkpointEverySteps: 20)).run(
      TrialFixtures.spec(
        optimizer: .momentum, metaparameters: [.learningRate: 0.05, .momentum: 0.9],
        maxSteps: 20, evaluateEvery: 20),
      mask: mask, monitor: recorder.monitor())
    #expect(report.end == .budgetSpent(step: 20))
    let saved = try TrainingCheckpoint(decoding: try #require(recorder.checkpoints.last).bytes)
    for i in stride(from: 0, to: count, by: 3) {
      if saved.parameters[i] != 0 || saved.velocity[i] != 0 {
        Issue.record("pruned parameter \(i) moved")
        break
      }
    }
    #expect(saved.masks == mask)
    #expect(saved.parameters.enumerated().contains { $0.offset % 3 != 0 && $0.element != 0 })
  }

  @Test func checkpointBytesRoundTripAndRefuseDamage() throws {
    let recorder = Recorder()
    _ = TrialRunner(configuration: TrainerConfiguration(checkpointEverySteps: 5)).run(
      TrialFixtures.spec(maxSteps: 5, evaluateEvery: 5), monitor: recorder.monitor())
    var bytes = try #require(recorder.checkpoints.first).bytes
    let decoded = try TrainingCheckpoint(decoding: bytes)
    #expect(decoded.encoded() == bytes && decoded.step == 5 && decoded.trialKey == "test-trial")
    bytes[100] ^= 1
    #expect(throws: CheckpointError.damaged("checksum mismatch")) {
      try TrainingCheckpoint(decoding: bytes)
    }
    let other = TrialRunner().run(
      TrialFixtures.spec(key: "another-trial"),
      resumingFrom: try #require(recorder.checkpoints.first).bytes)
    guard case .failed(let message) = other.end else {
      Issue.record("ended \(other.end)")
      return
    }
    #expect(message.contains("does not belong"))
  }
}

/// Counts polls (one per step).
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0
  func next() -> Int {
    lock.withLock {
      value += 1; return value
    }
  }
}
