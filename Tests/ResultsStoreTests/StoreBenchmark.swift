import Foundation
import Planning
import Scheduling
import StepwiseTestSupport
import Testing

@testable import ResultsStore

/// Store overhead at the scale of a large study. Off by default (about a minute, 300 MB of
/// disk); run in release:
///
///     STEPWISE_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter StoreBenchmark
@Suite(.enabled(if: ProcessInfo.processInfo.environment["STEPWISE_BENCH"] == "1"))
struct StoreBenchmark {
  func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  @Test func hundredThousandTrialsWithCurves() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 99)
    study.batchSizes = (1...20).map { 1 << $0 }
    study.sparsities = [0, 0.5, 0.7, 0.8, 0.9]
    study.trials = 1000
    let plan = study.plan
    #expect(plan.trials.count == 100_000)

    let store = try ResultsStore(path: dir.file("big.sqlite"))
    var id = StudyID(rawValue: 0)
    let register = try seconds { id = try store.register(plan, planHash: "h") }

    let curves = plan.trials.map { spec in
      (spec.key, (1...20).map { study.evaluation(spec, step: $0 * 100) })
    }
    let insert = try seconds {
      for chunk in stride(from: 0, to: curves.count, by: 1000) {
        try store.recordEvaluations(Array(curves[chunk..<min(chunk + 1000, curves.count)]))
      }
    }
    let results = plan.trials.map { spec in
      (
        spec.key,
        TrialResult(state: .notReached, stepsToResult: nil, stepsRun: 2000, bestMetric: 0.2)
      )
    }
    let record = try seconds { _ = try store.recordResults(results, runID: "bench") }

    var table = StudyTable()
    let read = try seconds { table = try store.readStudy(id) }
    #expect(table.count == 100_000)
    #expect(table.steps.count == 2_000_000)
    var summaries: [CellSummary] = []
    let summarise = try seconds { summaries = try store.cellSummaries(id) }
    #expect(summaries.count == 100)

    // A fresh handle, as `stepwise report` would open, reading cold from the page cache.
    let reopened = try ResultsStore(path: dir.file("big.sqlite"))
    let coldRead = try seconds { _ = try reopened.readStudy(id) }
    let size =
      (try FileManager.default.attributesOfItem(atPath: dir.file("big.sqlite"))[.size]
        as? Int) ?? 0

    print(
      String(
        format: """
          store benchmark: register 100,000 trials %.2f s; insert 2,000,000 evaluations (1,000 \
          trials per transaction) %.2f s (%.2f us/evaluation); record 100,000 results %.2f s; \
          readStudy %.2f s (fresh handle %.2f s); cellSummaries %.3f s; file %.0f MB
          """, register, insert, insert / 2e6 * 1e6, record, read, coldRead, summarise,
        Double(size) / 1e6))
  }

  /// A store the size issue 7 times `stepwise report` on, kept at `STEPWISE_BENCH_STORE`:
  /// 100,000 trials whose curves end where a real run would end them (at the goal, else at
  /// the budget), so the report has reached cells, curves and bootstrap work to do.
  /// `scripts/bench-report.sh` builds it and times the report.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["STEPWISE_BENCH_STORE"] != nil))
  func reportSizedStore() throws {
    let path = try #require(ProcessInfo.processInfo.environment["STEPWISE_BENCH_STORE"])
    try? FileManager.default.removeItem(atPath: path)
    var study = SyntheticStudy(seed: 7)
    study.batchSizes = (1...20).map { 1 << $0 }
    study.sparsities = [0, 0.5, 0.7, 0.8, 0.9]
    study.trials = 1000
    let plan = study.plan
    let store = try ResultsStore(path: path)
    let register = try seconds { _ = try store.register(plan, planHash: "bench") }
    var evaluations = 0
    let record = try seconds {
      for chunk in stride(from: 0, to: plan.trials.count, by: 1000) {
        let specs = plan.trials[chunk..<min(chunk + 1000, plan.trials.count)]
        let reached = specs.map { study.fullRunStepsToResult($0) }
        let curves = zip(specs, reached).map { spec, steps in
          let last = steps ?? spec.maxSteps
          return (
            spec.key,
            stride(from: spec.evaluationEverySteps, through: last, by: spec.evaluationEverySteps)
              .map { study.evaluation(spec, step: $0) }
          )
        }
        evaluations += curves.reduce(0) { $0 + $1.1.count }
        try store.recordEvaluations(curves)
        _ = try store.recordResults(
          zip(curves, reached).map { curve, steps in
            (
              curve.0,
              TrialResult(
                state: steps == nil ? .notReached : .reached, stepsToResult: steps,
                stepsRun: curve.1.last?.step ?? 0,
                bestMetric: curve.1.map(\.validationError).min())
            )
          }, runID: "bench")
      }
    }
    print(
      String(
        format: "report-sized store at %@: %d trials, %d evaluations; register %.2f s, "
          + "curves and results %.2f s", path, plan.trials.count, evaluations, register, record))
  }

  /// What the scheduler pays per evaluation and per trial: one transaction each, as in a run.
  @Test(arguments: [StoreOptions.Durability.full, .normal])
  func perEvaluationCost(durability: StoreOptions.Durability) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 98)
    study.trials = 100
    let (store, id) = try makeStore(dir, study, options: StoreOptions(durability: durability))
    let ledger = StoreLedger(store: store, study: id)
    let owner = LeaseOwner.current()
    let specs = Array(study.specs.prefix(100))
    var evaluations = 0
    var claimAndResult = 0.0
    let total = try seconds {
      for spec in specs {
        claimAndResult += try seconds { _ = try ledger.claim(spec.key, owner: owner) }
        for step in 1...20 {
          try ledger.recordEvaluations(spec.key, [study.evaluation(spec, step: step * 100)])
          evaluations += 1
        }
        claimAndResult += try seconds {
          _ = try ledger.recordResult(
            spec.key,
            TrialResult(state: .notReached, stepsToResult: nil, stepsRun: 2000, bestMetric: 0.2),
            owner: owner)
        }
      }
    }
    let perEvaluation = (total - claimAndResult) / Double(evaluations)
    let checkpoint = [UInt8](repeating: 7, count: 500_000)
    let save = try seconds {
      for spec in specs.prefix(20) {
        try ledger.saveCheckpoint(spec.key, TrialCheckpoint(step: 100, bytes: checkpoint))
      }
    }
    print(
      String(
        format: """
          store per-call cost (synchronous=%@): record one evaluation %.3f ms; claim + record \
          result %.3f ms per trial; save a 500 kB checkpoint %.2f ms
          """, durability.rawValue, perEvaluation * 1e3, claimAndResult / 100 * 1e3,
        save / 20 * 1e3))
  }
}
