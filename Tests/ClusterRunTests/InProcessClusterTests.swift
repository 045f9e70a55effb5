import Collectives
import Foundation
import Planning
import Scheduling
import Testing
import Training

@testable import ClusterRun

/// The coordinator and the workers on threads over in-process mailboxes, with a trainer that
/// replays synthetic curves: rank 0's scheduler must give the same steps-to-result as the
/// reference, and a group that falls silent mid-trial must lose only that attempt.
@Suite(.serialized) struct InProcessClusterTests {
  /// Fast timing, so that a silent group is noticed within a second.
  static let timing = ClusterTiming(heartbeatSeconds: 0.05, timeoutSeconds: 0.6)

  /// What a cluster run left behind.
  struct Run {
    var summary: SchedulerSummary
    var ledger: MemoryLedger
    var lost: [TrainingGroup]
    var serving: ServingStatistics
    var starts: [Int: Int]
    var log: [String]
  }

  /// Runs `study` on `groups` groups of `workers` ranks; `silent` (a world rank) stops answering
  /// after the first evaluation of its first trial.
  static func run(
    _ study: SyntheticStudy, groups: Int, workers: Int, silent: Int? = nil
  ) throws -> Run {
    let plan = study.plan
    let size = 1 + groups * workers
    let world = MailboxNetwork(size: size)
    let log = LockedLog()
    let coordinator = try ClusterCoordinator(
      link: world.link(0), workersPerGroup: workers, timing: timing, host: "elsewhere",
      log: { log.append($0) })
    let starts = LockedCounts()
    let release = DispatchSemaphore(value: 0)
    let finished = DispatchGroup()
    let groupNetworks = (0..<groups).map { _ in MailboxNetwork(size: workers) }
    for rank in 1..<size {
      finished.enter()
      let trainer = ReplayTrainer(
        study: study, rank: rank, starts: starts,
        goSilent: rank == silent
          ? { @Sendable in
            world.cut(rank)
            release.wait()
          } : nil)
      let networks = groupNetworks
      let thread = Thread {
        defer { finished.leave() }
        workerBody(rank: rank, world: world, groups: networks, trainer: trainer)
      }
      thread.start()
    }
    try coordinator.gatherHellos(version: "test", within: 10)
    try coordinator.sendSetup(pid: 1)
    let ledger = MemoryLedger(plan: plan)
    let summary = try Scheduler(
      ledger: ledger, runner: coordinator.runner(masks: { _ in nil }),
      configuration: SchedulerConfiguration(
        jobs: coordinator.groups.count, checkpointEverySteps: 200)
    ).run(plan)
    let lost = coordinator.finish()
    release.signal()
    #expect(finished.wait(timeout: .now() + 10) == .success)
    return Run(
      summary: summary, ledger: ledger, lost: lost, serving: coordinator.serving,
      starts: starts.values, log: log.values)
  }

  /// One training rank: hello, setup, then the worker's loop until shutdown (or, for the
  /// silenced rank, until it gives up on its coordinator).
  static func workerBody(
    rank: Int, world: MailboxNetwork, groups: [MailboxNetwork], trainer: ReplayTrainer
  ) {
    let link = world.link(rank)
    do {
      try link.send(
        .hello(.init(rank: rank, host: "elsewhere", pid: 1, stepwiseVersion: "test")), to: 0)
      guard case .setup(let setup)? = try link.wait(from: 0, seconds: 10)?.message else {
        return
      }
      let w = setup.workersPerGroup
      let worker = ClusterWorker(
        world: link, group: groups[(rank - 1) / w].link((rank - 1) % w),
        communicator: SingleRank(), timing: setup.timing,
        train: { start, _, monitor in trainer.train(start, monitor) })
      try worker.run()
    } catch {
      // The silenced rank loses its coordinator; that is the point.
    }
  }

  static func stepsToResult(_ ledger: MemoryLedger, _ plan: ExecutionPlan) -> [CellID: Int] {
    var best: [CellID: Int] = [:]
    for spec in plan.trials {
      if let s = ledger.snapshot().results[spec.key]?.stepsToResult {
        best[spec.cell] = min(best[spec.cell] ?? s, s)
      }
    }
    return best
  }

  static let study = SyntheticStudy(
    seed: 11, batchSizes: [16, 64], sparsities: [0, 0.9], trials: 3, maxSteps: 1000,
    evaluationEvery: 100)

  @Test(arguments: [(1, 1), (3, 1), (2, 2)])
  func rankZeroSchedulesExactlyAsOneProcess(groups: Int, workers: Int) throws {
    let plan = Self.study.plan
    let run = try Self.run(Self.study, groups: groups, workers: workers)
    #expect(Self.stepsToResult(run.ledger, plan) == Self.study.referenceStepsToResult)
    #expect(run.ledger.snapshot().results.count == plan.trials.count)
    #expect(run.ledger.snapshot().results.values.allSatisfy { $0.state.isFinished })
    #expect(run.lost.isEmpty)
    #expect(run.summary.retries == 0)
    #expect(run.serving.trials == plan.trials.count)
    #expect(run.serving.messages > 2 * plan.trials.count)
    // Every rank of a group trained every trial its leader took (members got each start).
    let perGroup = (0..<groups).map { g in
      (0..<workers).map { run.starts[1 + g * workers + $0] ?? 0 }
    }
    for counts in perGroup { #expect(Set(counts).count == 1, "\(perGroup)") }
    #expect(perGroup.map { $0[0] }.reduce(0, +) == plan.trials.count)
  }

  @Test func aSilentGroupLosesOnlyItsTrialWhichIsRetriedElsewhere() throws {
    let plan = Self.study.plan
    let run = try Self.run(Self.study, groups: 3, workers: 1, silent: 2)
    #expect(run.lost.map(\.ranks) == [[2]])
    #expect(run.summary.retries >= 1)
    #expect(Self.stepsToResult(run.ledger, plan) == Self.study.referenceStepsToResult)
    #expect(run.ledger.snapshot().results.values.allSatisfy { $0.state.isFinished })
    #expect(run.ledger.snapshot().results.count == plan.trials.count)
    #expect(run.log.contains { $0.contains("rank 2: silent for") }, "\(run.log)")
    // Rank 2 took exactly one trial, then nothing more was sent to it.
    #expect(run.starts[2] == 1)
  }

  @Test func everyGroupLostEndsTrialsInterruptedNotHung() throws {
    let study = SyntheticStudy(
      seed: 2, batchSizes: [16], sparsities: [0], trials: 2, maxSteps: 1000, evaluationEvery: 100)
    let run = try Self.run(study, groups: 1, workers: 1, silent: 1)
    #expect(run.lost.map(\.ranks) == [[1]])
    #expect(run.summary.byState[.interrupted, default: 0] >= 1)
    #expect(run.log.contains { $0.contains("no training group is left") })
  }
}

/// Replays `SyntheticStudy` curves through the trainer's monitor, like `TrialRunner` would:
/// resumes at the checkpoint, polls before every step, obeys stop and interrupt.
struct ReplayTrainer: Sendable {
  let study: SyntheticStudy
  let rank: Int
  let starts: LockedCounts
  let goSilent: (@Sendable () -> Void)?

  func train(_ start: ClusterMessage.TrialStart, _ monitor: TrialMonitor?) -> TrialOutcome {
    let first = starts.increment(rank) == 1
    guard let monitor else { return .notReached }  // a member: the leader reports
    let spec = start.spec
    var step = start.checkpoint?.step ?? 0
    var limit = spec.maxSteps
    while step < limit {
      switch monitor.poll() {
      case .interrupt:
        monitor.checkpoint(step, SyntheticRunner.state(at: step))
        return .interrupted
      case .stop(let s): limit = min(limit, max(s, step))
      case .proceed: break
      }
      step += spec.evaluationEverySteps
      if step % start.checkpointEverySteps == 0 {
        monitor.checkpoint(step, SyntheticRunner.state(at: step))
      }
      let e = study.evaluation(spec, step: step)
      let control = monitor.evaluated(
        EvaluationEvent(
          step: step, validationError: e.validationError, validationLoss: e.validationLoss,
          trainingLoss: e.trainingLoss, examplesPerSecond: 0, evaluationSeconds: 0))
      if first, let goSilent {
        goSilent()
        return .interrupted
      }
      if spec.goal.isMet(e.validationError) { return .reached(step: step) }
      switch control {
      case .interrupt:
        monitor.checkpoint(step, SyntheticRunner.state(at: step))
        return .interrupted
      case .stop(let s) where step >= s: return .dominated(step: step)
      case .stop(let s): limit = min(limit, s)
      case .proceed: break
      }
    }
    return step >= spec.maxSteps ? .notReached : .dominated(step: step)
  }
}

final class LockedLog: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [String] = []
  func append(_ line: String) { lock.withLock { lines.append(line) } }
  var values: [String] { lock.withLock { lines } }
}

final class LockedCounts: @unchecked Sendable {
  private let lock = NSLock()
  private var counts: [Int: Int] = [:]
  @discardableResult
  func increment(_ key: Int) -> Int {
    lock.withLock {
      counts[key, default: 0] += 1
      return counts[key] ?? 0
    }
  }
  var values: [Int: Int] { lock.withLock { counts } }
}
