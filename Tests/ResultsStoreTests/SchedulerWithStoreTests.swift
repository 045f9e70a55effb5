import Foundation
import Planning
import Scheduling
import StepwiseTestSupport
import Testing

@testable import ResultsStore

/// Calls `requestInterrupt` after a number of evaluations.
final class StopAfter: SchedulerProgress, @unchecked Sendable {
  private let lock = NSLock()
  private var remaining: Int
  weak var scheduler: Scheduler?
  init(_ evaluations: Int) { remaining = evaluations }
  func scheduler(_ event: SchedulerEvent) {
    guard case .trialEvaluated = event else { return }
    let fire = lock.withLock {
      remaining -= 1
      return remaining == 0
    }
    if fire { scheduler?.requestInterrupt() }
  }
}

@Suite struct SchedulerWithStoreTests {
  /// Interrupt a run at 20 seeded random moments, resuming each time: the final store has the
  /// same steps-to-result as an uninterrupted run, the same curves for trials reached in both,
  /// only true curve points, and no conflicting second result.
  @Test func interruptedAndResumedRunMatchesAnUninterruptedOne() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 21)
    study.trials = 4
    let configuration = { SchedulerConfiguration(jobs: 2, checkpointEverySteps: 300) }

    let (reference, referenceID) = try makeStore(dir, study, name: "reference.sqlite")
    let full = try Scheduler(
      ledger: StoreLedger(store: reference, study: referenceID), runner: SyntheticRunner(study),
      configuration: configuration()
    ).run(study.plan)
    #expect(!full.interrupted)

    let path = dir.file("resumed.sqlite")
    var interruptions = 0
    var round = 0
    while true {
      // A new store handle per round, as a new process would open.
      let store = try ResultsStore(path: path)
      let id = try store.register(study.plan, planHash: "h")
      let progress = StopAfter(interruptions < 20 ? 1 + Int(mix(UInt64(round)) % 40) : -1)
      let scheduler = Scheduler(
        ledger: StoreLedger(store: store, study: id), runner: SyntheticRunner(study),
        configuration: configuration(), progress: progress)
      progress.scheduler = scheduler
      let summary = try scheduler.run(study.plan)
      round += 1
      if !summary.interrupted { break }
      interruptions += 1
      #expect(summary.byState.keys.allSatisfy { $0.isFinished || $0 == .interrupted })
    }
    #expect(interruptions == 20)
    let store = try ResultsStore(path: path)
    let id = try #require(try store.study(named: study.workload.name))
    // Which trials reach depends on timing (a trial dominated in one run may reach in another,
    // later than the cell's best); the cell's steps-to-result and the curves of trials reached in
    // both runs may not.
    let resumed = try StoreDigest(store, id)
    let uninterrupted = try StoreDigest(reference, referenceID)
    #expect(resumed.stepsToResult == uninterrupted.stepsToResult)
    #expect(resumed.stepsToResult == study.referenceStepsToResult)
    let both = Set(resumed.reached.keys).intersection(uninterrupted.reached.keys)
    #expect(both.count >= resumed.stepsToResult.count)
    for key in both { #expect(resumed.reached[key] == uninterrupted.reached[key]) }
    #expect(try store.conflicts().isEmpty)
    let table = try store.readStudy(id)
    #expect(table.states.allSatisfy { $0.isFinished })
    // Every stored point is the trial's true value: no point of an abandoned run survives.
    for i in 0..<table.count {
      let spec = study.specs.first { $0.key == table.keys[i] }
      for p in table.curveRange(i) {
        let truth = try study.evaluation(#require(spec), step: Int(table.steps[p]))
        #expect(table.validationError[p] == truth.validationError)
      }
    }
  }

  /// Two schedulers on two connections to one file, at once: no trial runs twice.
  @Test func twoRunsOnOneStoreNeverRunTheSameTrial() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let study = { () -> SyntheticStudy in
      var study = SyntheticStudy(seed: 22)
      study.trials = 5
      return study
    }()
    let runner = SyntheticRunner(study)
    runner.pause = 0.001
    let path = dir.file("shared.sqlite")
    _ = try makeStore(dir, study, name: "shared.sqlite")

    let group = DispatchGroup()
    let outcomes = Outcomes()
    for _ in 0..<2 {
      group.enter()
      Thread {
        defer { group.leave() }
        do {
          let store = try ResultsStore(path: path)
          let id = try store.register(study.plan, planHash: "h")
          let summary = try Scheduler(
            ledger: StoreLedger(store: store, study: id), runner: runner,
            configuration: SchedulerConfiguration(jobs: 2)
          ).run(study.plan)
          outcomes.add(summary)
        } catch {
          outcomes.add(error)
        }
      }.start()
    }
    group.wait()
    let (summaries, errors) = outcomes.both
    #expect(errors.isEmpty, "\(errors)")
    for spec in study.specs { #expect(runner.callCount(spec.key) == 1) }
    let store = try ResultsStore(path: path)
    let id = try #require(try store.study(named: study.workload.name))
    #expect(try store.readStudy(id).states.allSatisfy { $0.isFinished })
    #expect(try store.conflicts().isEmpty)
    let ran = summaries.map { $0.byState.values.reduce(0, +) }.reduce(0, +)
    #expect(ran == study.specs.count)
    #expect(
      try StoreDigest(store, id).stepsToResult == study.referenceStepsToResult)
  }
}

/// Summaries and errors collected from several threads.
final class Outcomes: @unchecked Sendable {
  private let lock = NSLock()
  private var summaries: [SchedulerSummary] = []
  private var errors: [Error] = []
  func add(_ summary: SchedulerSummary) { lock.withLock { summaries.append(summary) } }
  func add(_ error: Error) { lock.withLock { errors.append(error) } }
  var both: ([SchedulerSummary], [Error]) { lock.withLock { (summaries, errors) } }
}
