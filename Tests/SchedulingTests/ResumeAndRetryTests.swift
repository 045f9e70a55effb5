import Foundation
import Planning
import Scheduling
import Testing

/// Calls `requestInterrupt` on the scheduler after a number of evaluations.
final class InterruptAfter: SchedulerProgress, @unchecked Sendable {
  private let lock = NSLock()
  private var remaining: Int
  weak var scheduler: Scheduler?
  private(set) var events: [String] = []

  init(evaluations: Int) { remaining = evaluations }

  func scheduler(_ event: SchedulerEvent) {
    let fire = lock.withLock { () -> Bool in
      switch event {
      case .trialEvaluated:
        remaining -= 1
        return remaining == 0
      case .interruptRequested: events.append("interrupt")
      case .trialRetried: events.append("retry")
      default: break
      }
      return false
    }
    if fire { scheduler?.requestInterrupt() }
  }
}

@Suite struct ResumeAndRetryTests {
  /// Interrupting a run at several points and running again gives the same per-cell
  /// steps-to-result as one uninterrupted run; every stored curve point is the trial's true
  /// value (no mix of runs), and no finished result is recorded twice.
  @Test(arguments: [5, 17, 40, 90])
  func resumeGivesTheSameResults(interruptAfter: Int) throws {
    let study = SyntheticStudy(seed: 11)
    let plan = study.plan

    let reference = MemoryLedger(plan: plan)
    _ = try Scheduler(
      ledger: reference, runner: SyntheticRunner(study),
      configuration: SchedulerConfiguration(jobs: 2, checkpointEverySteps: 300)
    ).run(plan)

    let ledger = MemoryLedger(plan: plan)
    let runner = SyntheticRunner(study)
    var interruptions = 0
    var rounds = 0
    while true {
      rounds += 1
      let progress = InterruptAfter(evaluations: interruptAfter)
      let scheduler = Scheduler(
        ledger: ledger, runner: runner,
        configuration: SchedulerConfiguration(jobs: 2, checkpointEverySteps: 300),
        progress: progress)
      progress.scheduler = scheduler
      let summary = try scheduler.run(plan)
      if !summary.interrupted { break }
      interruptions += 1
      #expect(rounds < 1000)
      if rounds >= 1000 { break }
    }
    #expect(interruptions > 0)

    let (results, curves) = ledger.snapshot()
    #expect(results.count == plan.trials.count)
    #expect(stepsToResult(results, plan) == stepsToResult(reference.snapshot().results, plan))
    for spec in plan.trials {
      #expect(ledger.recordCalls[spec.key, default: 0] >= 1)
      let points = curves[spec.key] ?? [:]
      for (step, e) in points { #expect(e == study.evaluation(spec, step: step)) }
      // The curve is contiguous from the first evaluation to where the trial stopped.
      if let result = results[spec.key], result.state != .failed {
        let expected = Set(stride(from: 100, through: result.stepsRun, by: 100))
        #expect(Set(points.keys) == expected)
      }
    }
    // Interrupted trials resumed from checkpoints, not from scratch, at least once.
    #expect(plan.trials.contains { !runner.resumeSteps($0.key).filter { $0 > 0 }.isEmpty })
  }

  @Test func onlyInterruptedTrialsAreRetried() throws {
    var study = SyntheticStudy(seed: 3)
    study.batchSizes = [64]
    study.sparsities = [0]
    study.trials = 6
    study.hopeless = 1  // nobody reaches: no early stop, every trial runs its course
    let plan = study.plan
    let runner = SyntheticRunner(study)
    runner.failing = [0]
    runner.diverging = [1]
    runner.interruptOnce = [2]
    runner.interruptAlways = [3]
    let ledger = MemoryLedger(plan: plan)
    let progress = InterruptAfter(evaluations: -1)
    let summary = try Scheduler(
      ledger: ledger, runner: runner,
      configuration: SchedulerConfiguration(jobs: 2, maxInterruptRetries: 2), progress: progress
    ).run(plan)

    let key = { (index: Int) in plan.trials[index].key }
    #expect(runner.callCount(key(0)) == 1)
    #expect(runner.callCount(key(1)) == 1)
    #expect(runner.callCount(key(2)) == 2)
    #expect(runner.callCount(key(3)) == 3)
    #expect(runner.callCount(key(4)) == 1)
    let results = ledger.snapshot().results
    #expect(results[key(0)]?.state == .failed)
    #expect(results[key(0)]?.message == "synthetic input error")
    #expect(results[key(1)]?.state == .diverged)
    #expect(results[key(2)]?.state == .notReached)
    #expect(results[key(3)] == nil)
    #expect(ledger.interrupted == [key(3)])
    #expect(summary.retries == 3)
    #expect(summary.byState[.interrupted] == 1)
    #expect(!summary.interrupted)

    // A second run retries the interrupted trial again (with its own retry allowance) and
    // leaves the finished ones alone.
    let again = try Scheduler(ledger: ledger, runner: runner).run(plan)
    #expect(again.alreadyFinished == 5)
    #expect(runner.callCount(key(0)) == 1)
    #expect(runner.callCount(key(1)) == 1)
    #expect(runner.callCount(key(2)) == 2)
    #expect(runner.callCount(key(3)) == 6)
  }

  @Test func aTrainerThatMisreportsIsRecordedFailed() throws {
    struct Liar: TrialRunning {
      func run(_ spec: TrialSpec, resumingFrom: TrialCheckpoint?, session: TrialSession)
        -> TrialOutcome
      {
        _ = session.evaluated(
          Evaluation(step: 100, validationError: 0.5, validationLoss: 1, trainingLoss: 1))
        return .reached(step: 100)
      }
    }
    var study = SyntheticStudy(seed: 1)
    study.batchSizes = [64]
    study.sparsities = [0]
    study.trials = 1
    let ledger = MemoryLedger(plan: study.plan)
    _ = try Scheduler(ledger: ledger, runner: Liar()).run(study.plan)
    let result = try #require(ledger.snapshot().results[study.plan.trials[0].key])
    #expect(result.state == .failed)
    #expect(result.message?.contains("never met it") == true)
  }

  @Test func sigintInterruptsTheRun() throws {
    var study = SyntheticStudy(seed: 9)
    study.hopeless = 1
    let plan = study.plan
    let runner = SyntheticRunner(study)
    runner.pause = 0.002
    let ledger = MemoryLedger(plan: plan)
    let scheduler = Scheduler(
      ledger: ledger, runner: runner,
      configuration: SchedulerConfiguration(jobs: 2, handleSignals: true))
    let raiser = Thread {
      Thread.sleep(forTimeInterval: 0.2)
      kill(getpid(), SIGINT)
    }
    raiser.start()
    let summary = try scheduler.run(plan)
    #expect(summary.interrupted)
    #expect(summary.byState[.interrupted, default: 0] >= 1)
    #expect(summary.notStarted > 0)
    // Every trial that stopped on the signal left a checkpoint at the step it stopped.
    for key in ledger.interrupted { #expect(ledger.checkpoints[key] != nil) }
  }
}
