import Foundation
import Planning
import Scheduling
import Testing

/// Steps-to-result per cell from a ledger's reached results.
func stepsToResult(_ results: [TrialKey: TrialResult], _ plan: ExecutionPlan) -> [CellID: Int] {
  var best: [CellID: Int] = [:]
  for spec in plan.trials {
    if let s = results[spec.key]?.stepsToResult { best[spec.cell] = min(best[spec.cell] ?? s, s) }
  }
  return best
}

@Suite struct ExactEarlyStopTests {
  /// The property: on random synthetic studies, exact early stop gives every cell the same
  /// steps-to-result as running every trial to its budget, whatever the ordering and job count.
  @Test(arguments: 0..<24)
  func earlyStopMatchesFullRuns(seed: Int) throws {
    var study = SyntheticStudy(seed: UInt64(seed) &+ 100)
    study.trials = 2 + seed % 7
    study.correlation = unit(UInt64(seed), 7)
    study.hopeless = 0.4 * unit(UInt64(seed), 8)
    study.batchSizes = Array([8, 32, 128, 512, 2048].prefix(2 + seed % 4))
    let plan = study.plan
    let ordering = TrialOrdering.allCases[seed % TrialOrdering.allCases.count]
    let jobs = 1 + seed % 3

    let ledger = MemoryLedger(plan: plan)
    let summary = try Scheduler(
      ledger: ledger, runner: SyntheticRunner(study),
      configuration: SchedulerConfiguration(jobs: jobs, ordering: ordering)
    ).run(plan)

    let results = ledger.snapshot().results
    #expect(results.count == plan.trials.count)
    #expect(stepsToResult(results, plan) == study.referenceStepsToResult)
    #expect(summary.byState.values.reduce(0, +) == plan.trials.count)

    // A dominated trial stopped at or after its cell's best, and had not met the goal by then.
    let reference = study.referenceStepsToResult
    for spec in plan.trials {
      guard let result = results[spec.key], result.state == .dominated else { continue }
      let cellBest = try #require(reference[spec.cell])
      #expect(result.stepsRun >= cellBest)
      if let own = study.fullRunStepsToResult(spec) { #expect(own >= result.stepsRun) }
    }
  }

  /// The same property with the evaluation cadences of issue 12: a geometric schedule,
  /// intervals by batch size, and evaluations that exit early (bounds for missed points).
  @Test(arguments: 0..<12)
  func earlyStopMatchesFullRunsWithCadences(seed: Int) throws {
    var study = SyntheticStudy(seed: UInt64(seed) &+ 500)
    study.trials = 3 + seed % 5
    study.batchSizes = [8, 32, 128, 512]
    switch seed % 3 {
    case 0: study.evaluationGrowth = 1.1 + 0.05 * Double(seed % 4)
    case 1: study.evaluationOverrides = [8: 400, 32: 150, 128: 60, 512: 25]
    default: break
    }
    study.exitEarly = seed % 2 == 0
    let plan = study.plan
    let ledger = MemoryLedger(plan: plan)
    _ = try Scheduler(
      ledger: ledger, runner: SyntheticRunner(study),
      configuration: SchedulerConfiguration(jobs: 1 + seed % 3)
    ).run(plan)
    let results = ledger.snapshot().results
    #expect(stepsToResult(results, plan) == study.referenceStepsToResult)
    for spec in plan.trials {
      guard let s = results[spec.key]?.stepsToResult else { continue }
      #expect(spec.evaluationCadence.contains(s) || s == spec.maxSteps)
    }
  }

  @Test func earlyStopRunsFewerStepsThanFullRuns() throws {
    let study = SyntheticStudy(seed: 5)
    let plan = study.plan
    let early = try Scheduler(
      ledger: MemoryLedger(plan: plan), runner: SyntheticRunner(study),
      configuration: SchedulerConfiguration(jobs: 2)
    ).run(plan)
    let fullLedger = MemoryLedger(plan: plan)
    let full = try Scheduler(
      ledger: fullLedger, runner: SyntheticRunner(study),
      configuration: SchedulerConfiguration(jobs: 2, exactEarlyStop: false)
    ).run(plan)
    #expect(stepsToResult(fullLedger.snapshot().results, plan) == study.referenceStepsToResult)
    #expect(full.byState[.dominated] == nil)
    #expect(early.byState[.dominated, default: 0] > 0)
    #expect(early.stepsRun < full.stepsRun)
    #expect(early.stepsSavedByEarlyStop > 0)
  }

  /// Measures what ordering saves on studies whose good metaparameters carry over between
  /// cells, against an oracle (each cell's trials sorted by their true steps-to-result) and
  /// against no early stop.
  @Test(arguments: [1, 2])
  func informedOrderingSavesSteps(jobs: Int) throws {
    var totals: [String: Int] = [:]
    for seed in 0..<8 {
      var study = SyntheticStudy(seed: UInt64(seed) + 40)
      study.trials = 12
      study.batchSizes = [8, 16, 32, 64, 128, 256]
      study.correlation = 0.9
      let plan = study.plan
      func steps(_ plan: ExecutionPlan, _ ordering: TrialOrdering, earlyStop: Bool = true) throws
        -> Int
      {
        try Scheduler(
          ledger: MemoryLedger(plan: plan), runner: SyntheticRunner(study),
          configuration: SchedulerConfiguration(
            jobs: jobs, exactEarlyStop: earlyStop, ordering: ordering)
        ).run(plan).stepsRun
      }
      for ordering in TrialOrdering.allCases {
        totals[ordering.rawValue, default: 0] += try steps(plan, ordering)
      }
      var oracle = plan
      oracle.trials.sort {
        ($0.cell, study.fullRunStepsToResult($0) ?? Int.max)
          < ($1.cell, study.fullRunStepsToResult($1) ?? Int.max)
      }
      totals["oracle", default: 0] += try steps(oracle, .plan)
      totals["no early stop", default: 0] += try steps(plan, .plan, earlyStop: false)
    }
    let report = totals.sorted { $0.value < $1.value }.map { "\($0.key) \($0.value)" }
    print("steps run, jobs \(jobs), 8 studies x 12 cells x 12 trials:", report)
    let withoutEarlyStop = try #require(totals["no early stop"])
    for ordering in TrialOrdering.allCases {
      #expect(try #require(totals[ordering.rawValue]) < withoutEarlyStop)
    }
    // With one job the order alone decides (with two, thread timing too): the oracle is optimal.
    if jobs == 1 {
      #expect(try #require(totals["informed"]) <= #require(totals["plan"]))
      #expect(try #require(totals["oracle"]) <= #require(totals["informed"]))
    }
  }
}
