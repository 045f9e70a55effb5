import Collectives
import CollectivesMPI
import Foundation
import Planning
import StepwiseTestSupport
import Testing
import Training
import WorkloadModel

/// One data-parallel step over Open MPI equals one worker's step on the same global batch: the
/// launcher starts this test binary under `mpirun -np 3`, filtered to `rankBody`, where the
/// three ranks train a Simple CNN as one group and rank 0 compares the parameter change of the
/// first step with a one-worker run (relative error under 1e-5, as in process). Skipped without
/// `mpirun` or the Fashion-MNIST files.
@Suite(.serialized) struct MPIGroupStepTests {
  static let mpirun = MPITestLaunch.mpirun
  static var insideRank: Bool {
    MPIRuntime.isLaunchedByMPI
      && ProcessInfo.processInfo.environment["STEPWISE_GROUP_STEP_TEST"] == "1"
  }
  static var dataDirectory: String { RealData.workloadFashion }
  static var hasData: Bool { RealData.hasWorkloadFashion }

  @Test(.enabled(if: mpirun != nil && hasData && !MPIRuntime.isLaunchedByMPI))
  func threeRanksTakeTheSameStepAsOneWorker() throws {
    let binary = try #require(CommandLine.arguments.first)
    let (status, text) = try MPITestLaunch.run(
      mpirun: try #require(Self.mpirun), ranks: 3, binary: binary,
      filter: "MPIGroupStepTests/rankBody", environment: ["STEPWISE_GROUP_STEP_TEST": "1"])
    #expect(status == 0, "\(text)")
    #expect(text.contains("MPI group step check passed"), "\(text)")
  }

  static func spec(learningRate: Double) -> TrialSpec {
    let dataset = DatasetSpec(
      name: .fashionMNIST, directory: Located(dataDirectory),
      validation: ValidationSplit(holdout: 1000, seed: 0), normalization: .global)
    return TrialSpec(
      key: TrialKey(hex: "mpi-group-step"),
      cell: CellID(optimizer: 0, batchSize: 64, sparsity: 0), index: 0, dataset: dataset,
      datasetDigest: "", model: ModelSpec(architecture: .simpleCNN), optimizer: .nesterov,
      schedule: .constant, metaparameters: [.learningRate: learningRate, .momentum: 0.9],
      batchSize: 64, sparsity: 0, pruning: nil, initSeed: 1, dataSeed: 0,
      evaluationEverySteps: 3, trainerVersion: 1,
      goal: Goal(comparison: .atMost, threshold: 0), maxSteps: 3, giveUp: [])
  }

  /// The parameters in the first checkpoint (after step 1) of a run.
  static func firstStep(_ checkpoints: LockedCheckpoints) throws -> [Float] {
    try TrainingCheckpoint(decoding: try #require(checkpoints.first)).parameters
  }

  @Test(.enabled(if: insideRank))
  func rankBody() throws {
    let world = try MPIRuntime.world()
    defer { MPIRuntime.finalize() }
    let configuration = TrainerConfiguration(workers: 1, checkpointEverySteps: 1)
    let runner = TrialRunner(configuration: configuration)
    let spec = Self.spec(learningRate: 0.05)
    let group = LockedCheckpoints()
    let report = runner.runRank(
      spec, mask: nil, resumingFrom: nil, communicator: world,
      monitor: world.rank == 0 ? group.monitor() : nil)
    #expect(report.end == .budgetSpent(step: 3), "\(report.end)")
    guard world.rank == 0 else { return }
    let one = LockedCheckpoints()
    _ = runner.run(spec, monitor: one.monitor())
    let zero = LockedCheckpoints()
    _ = runner.run(Self.spec(learningRate: 0), monitor: zero.monitor())
    let initial = try Self.firstStep(zero)
    let a = try Self.firstStep(one)
    let b = try Self.firstStep(group)
    var diff = 0.0
    var norm = 0.0
    for i in 0..<initial.count {
      let d1 = Double(a[i] - initial[i])
      let d2 = Double(b[i] - initial[i])
      diff += (d1 - d2) * (d1 - d2)
      norm += d1 * d1
    }
    let relative = (diff / norm).squareRoot()
    #expect(norm > 0)
    #expect(relative < 1e-5, "relative error \(relative)")
    if norm > 0 && relative < 1e-5 {
      print("MPI group step check passed: 3 ranks vs 1 worker, relative error \(relative)")
    }
  }
}

/// The checkpoints a monitor receives, in order.
final class LockedCheckpoints: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [[UInt8]] = []
  var first: [UInt8]? { lock.withLock { items.first } }
  func monitor() -> TrialMonitor {
    TrialMonitor(checkpoint: { _, bytes in self.lock.withLock { self.items.append(bytes) } })
  }
}
