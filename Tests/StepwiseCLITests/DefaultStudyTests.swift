import Analysis
import Foundation
import StepwiseDiagnostics
import Testing
import WorkloadModel

@testable import ResultsStore
@testable import StepwiseCLI

/// The built-in default study (`stepwise run` with no file) against the store of its real run,
/// kept as a fixture (Tests/StepwiseCLITests/Fixtures/default-study.sqlite, made by
/// `scripts/default-study.sh --update`). Issue 12: the first thing a user sees must be the
/// papers' picture, for dense and 90%-sparse networks: perfect scaling at small batch sizes, then
/// diminishing returns, then maximal data parallelism, the critical batch size inside the
/// measured range with its interval, each cell measured to 10% of its steps, and a best learning
/// rate that moves with the batch size. The real run itself is timed by the script (under 10
/// minutes on 2 cores), not here.
struct DefaultStudyTests {
  static let fixture = PlanCLIGolden.repository.appendingPathComponent(
    "Tests/StepwiseCLITests/Fixtures/default-study.sqlite"
  ).path

  /// The fixture's analysis, as `stepwise run` and `stepwise report` make it.
  static func analysis() throws -> (StudyAnalysis, StepsTable) {
    let store = try ResultsStore(path: fixture, options: StoreOptions(readOnly: true))
    let workload = try #require(Self.workload())
    let id = try #require(try store.study(named: workload.name))
    let table = try store.readStudy(id)
    return (
      Analyzer.analyze(StudyResults(table: table, workload: workload), options: AnalysisOptions()),
      StepsTable(table, workload: workload)
    )
  }

  static let defaultFile = SourceFile(
    path: DefaultWorkload.displayPath, text: DefaultWorkload.text)

  static func workload() -> Workload? { PlanFrontend().load(Self.defaultFile).plan?.workload }

  /// The fixture is the run of the default workload as it is now: same plan, hence same trials.
  /// If this fails, workloads/default.yaml changed; re-run `scripts/default-study.sh --update`.
  @Test(.enabled(if: RunCommandTests.hasData))
  func fixtureIsTheCurrentDefaultStudy() throws {
    let plan = try #require(
      PlanFrontend().load(Self.defaultFile).plan)
    let store = try ResultsStore(path: Self.fixture, options: StoreOptions(readOnly: true))
    let id = try #require(try store.study(named: plan.workload.name))
    let hash = try StudyRun.planHash(plan)
    #expect(try store.planHash(of: id) == hash)
    let table = try store.readStudy(id)
    #expect(table.count == plan.trials.count)
    #expect(table.states.allSatisfy { $0.isFinished })
  }

  @Test(.enabled(if: RunCommandTests.hasData))
  func curvesShowTheThreeRegionsWithTheCriticalBatchSizeInside() throws {
    let (analysis, _) = try Self.analysis()
    let sparsities = analysis.curves.map(\.sparsity)
    #expect(sparsities == [0, 0.9])
    for curve in analysis.curves {
      let points = curve.points
      let batches = points.map(\.batchSize)
      #expect(points.count == curve.cells.count, "\(curve.label): every cell reached the goal")
      let regions = points.compactMap(\.region)
      #expect(regions.count == points.count)
      // In order: perfect scaling first (at least two points), maximal data parallelism last,
      // diminishing returns between.
      #expect(regions.prefix(2).allSatisfy { $0 == .perfectScaling }, "\(curve.label): \(regions)")
      #expect(regions.last == .maximalDataParallelism, "\(curve.label): \(regions)")
      #expect(regions.contains(.diminishingReturns), "\(curve.label): \(regions)")
      #expect(regions == regions.sorted { Self.rank($0) < Self.rank($1) }, "\(curve.label)")
      let fit = try #require(curve.fit, "\(curve.label): no fit")
      #expect(fit.bound == nil, "\(curve.label): B_crit at the fit's edge")
      let lowest = Double(batches.first ?? 0)
      let highest = Double(batches.last ?? 0)
      #expect(fit.criticalBatchSize > lowest && fit.criticalBatchSize < highest, "\(curve.label)")
      let interval = try #require(curve.interval)
      #expect(interval.low > lowest && interval.high < highest, "\(curve.label): \(interval)")
      #expect(interval.low <= fit.criticalBatchSize && fit.criticalBatchSize <= interval.high)
      for cell in points {
        let resolution = try #require(cell.resolution)
        #expect(resolution <= 0.1, "\(curve.label) batch \(cell.batchSize): \(resolution)")
      }
      // The best learning rate grows with the batch size where scaling is perfect (Shallue et
      // al.'s Figure 8): the best at the largest batch size is well above the smallest's.
      let rates = points.compactMap { $0.bestTrial?.metaparameters["learning_rate"] }
      #expect(rates.count == points.count)
      #expect((rates.last ?? 0) >= 2 * (rates.first ?? .infinity), "\(curve.label): \(rates)")
    }
  }

  /// The README quotes the run's output: its steps-to-result table and scaling lines are the
  /// fixture's, character for character.
  @Test(.enabled(if: RunCommandTests.hasData))
  func readmeQuotesTheRun() throws {
    let (analysis, steps) = try Self.analysis()
    let readme = try String(
      contentsOf: PlanCLIGolden.repository.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(readme.contains(steps.render()), "README's steps-to-result table")
    #expect(readme.contains(ScalingLines(analysis: analysis).render()), "README's scaling lines")
  }

  static func rank(_ region: ScalingRegion) -> Int {
    switch region {
    case .perfectScaling: 0
    case .diminishingReturns: 1
    case .maximalDataParallelism: 2
    }
  }
}
