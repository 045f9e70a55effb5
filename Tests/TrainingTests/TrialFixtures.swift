import Foundation
import Planning
import StepwiseTestSupport
import Training
import WorkloadModel

/// Real-data trial specs for the trainer's tests (MNIST from `STEPWISE_DATA` or
/// `<repo root>/../shared/data`).
enum TrialFixtures {
  static var dataRoot: String { RealData.sharedRoot }

  static var mnist: String { dataRoot + "/mnist" }
  static var hasMNIST: Bool {
    FileManager.default.fileExists(atPath: mnist + "/train-images-idx3-ubyte")
  }

  /// A trial on MNIST. Unit tests default to a 1,000-image holdout and batch 32 so that each
  /// evaluation is cheap; the real training run uses Lee et al.'s 6,000.
  static func spec(
    batchSize: Int = 32, optimizer: OptimizerKind = .sgd, schedule: ScheduleKind = .constant,
    metaparameters: [Metaparameter: Double] = [.learningRate: 0.1], maxSteps: Int = 40,
    evaluateEvery: Int = 20, goal: Goal = Goal(comparison: .atMost, threshold: 0.0),
    giveUp: [GiveUpRule] = [], directory: String? = nil, key: String = "test-trial",
    initSeed: UInt64 = 1, dataSeed: UInt64 = 0, architecture: Architecture = .simpleCNN,
    holdout: Int = 1000, evaluationGrowth: Double? = nil, exitEarly: Bool = false
  ) -> TrialSpec {
    let dataset = DatasetSpec(
      name: .mnist, directory: Located(directory ?? mnist),
      validation: ValidationSplit(holdout: holdout, seed: 0), normalization: .global)
    return TrialSpec(
      key: TrialKey(hex: key), cell: CellID(optimizer: 0, batchSize: batchSize, sparsity: 0),
      index: 0, dataset: dataset, datasetDigest: "", model: ModelSpec(architecture: architecture),
      optimizer: optimizer, schedule: schedule, metaparameters: metaparameters,
      batchSize: batchSize, sparsity: 0, pruning: nil, initSeed: initSeed, dataSeed: dataSeed,
      evaluationEverySteps: evaluateEvery, evaluationGrowth: evaluationGrowth, trainerVersion: 1,
      goal: goal, maxSteps: maxSteps, giveUp: giveUp, exitEarly: exitEarly)
  }
}

/// Collects what a monitor receives (thread-safe).
final class Recorder: @unchecked Sendable {
  private let lock = NSLock()
  private var _events: [EvaluationEvent] = []
  private var _checkpoints: [(Int, [UInt8])] = []

  var events: [EvaluationEvent] { lock.withLock { _events } }
  var checkpoints: [(step: Int, bytes: [UInt8])] {
    lock.withLock { _checkpoints.map { ($0.0, $0.1) } }
  }

  /// A monitor that records, and answers evaluations with `control(event)`.
  func monitor(
    control: @escaping @Sendable (EvaluationEvent) -> TrialControl = { _ in .proceed },
    poll: @escaping @Sendable () -> TrialControl = { .proceed }
  ) -> TrialMonitor {
    TrialMonitor(
      evaluated: { event in
        self.lock.withLock { self._events.append(event) }
        return control(event)
      },
      checkpoint: { step, bytes in self.lock.withLock { self._checkpoints.append((step, bytes)) } },
      poll: poll)
  }
}

/// Peak resident set size of this process in bytes (`VmHWM`), or nil off Linux.
func peakResidentBytes() -> Int? {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
    return nil
  }
  for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
    let kb = line.split(separator: " ").compactMap { Int($0) }.first
    return kb.map { $0 * 1024 }
  }
  return nil
}
