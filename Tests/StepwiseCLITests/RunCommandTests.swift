import Foundation
import StepwiseDiagnostics
import StepwiseTestSupport
import Testing
import WorkloadModel

@testable import Planning
@testable import ResultsStore
@testable import Scheduling
@testable import StepwiseCLI

/// `stepwise run` and `stepwise status` on a tiny real workload (Tests/StepwiseCLITests/Fixtures/
/// tiny.yaml, Fashion-MNIST): skipped when the dataset is not installed.
struct RunCommandTests {
  static let repository = PlanCLIGolden.repository
  static let tiny = repository.appendingPathComponent("Tests/StepwiseCLITests/Fixtures/tiny.yaml")
    .path
  static var dataDirectory: String { RealData.workloadFashion }
  static var hasData: Bool { RealData.hasWorkloadFashion }

  static func temporaryStore() -> String {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("stepwise-run-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("stepwise.sqlite").path
  }

  static func quiet() -> RunProgress { RunProgress(mode: .quiet, colour: false, write: { _ in }) }

  /// Runs `stepwise run` in process; returns the exit code and standard output.
  static func run(_ arguments: [String]) throws -> (Int32, String) {
    let command = try Stepwise.Run.parse(arguments)
    var output = ""
    let code = command.execute(progress: quiet()) { output += $0 }
    return (code, output)
  }

  @Test func embeddedDefaultWorkloadEqualsTheFile() throws {
    let file = try String(
      contentsOf: Self.repository.appendingPathComponent("workloads/default.yaml"),
      encoding: .utf8)
    #expect(DefaultWorkload.text + "\n" == file || DefaultWorkload.text == file)
  }

  @Test func parallelismNeverOversubscribes() throws {
    #expect(
      try Parallelism.choose(jobs: nil, workers: nil, cores: 2, trials: 32)
        == Parallelism(jobs: 2, workers: 1, threadsPerWorker: 1))
    #expect(
      try Parallelism.choose(jobs: nil, workers: nil, cores: 2, trials: 1)
        == Parallelism(jobs: 1, workers: 1, threadsPerWorker: 2))
    #expect(
      try Parallelism.choose(jobs: nil, workers: 2, cores: 2, trials: 32)
        == Parallelism(jobs: 1, workers: 2, threadsPerWorker: 1))
    #expect(
      try Parallelism.choose(jobs: 1, workers: nil, cores: 8, trials: 32)
        == Parallelism(jobs: 1, workers: 1, threadsPerWorker: 8))
    #expect(throws: ParallelismError.self) {
      try Parallelism.choose(jobs: 2, workers: 2, cores: 2, trials: 32)
    }
    #expect(throws: ParallelismError.self) {
      try Parallelism.choose(jobs: 0, workers: nil, cores: 2, trials: 32)
    }
  }

  @Test func stepsTablePicksTheEarliestReachedTrial() {
    var table = StudyTable()
    let cell = CellID(optimizer: 0, batchSize: 64, sparsity: 0.9)
    let rows: [(Int, TrialState, Int?, Double)] = [
      (0, .reached, 400, 0.1), (1, .reached, 300, 0.2), (2, .dominated, nil, 0.3),
      (3, .reached, 300, 0.05), (4, .planned, nil, 0.01),
    ]
    for (index, state, steps, rate) in rows {
      table.keys.append(TrialKey(hex: "\(index)"))
      table.cells.append(cell)
      table.indices.append(index)
      table.states.append(state)
      table.stepsToResult.append(steps)
      table.stepsRun.append(steps ?? 300)
      table.maxSteps.append(1000)
      table.bestMetric.append(nil)
      table.metaparameters.append([.learningRate: rate, .momentum: 0.9])
      table.wallSeconds.append(1)
      table.curveStart.append(0)
    }
    let workload = try? WorkloadFixture.tiny()
    guard let workload else { return }
    let steps = StepsTable(table, workload: workload)
    #expect(steps.cells.count == 1)
    #expect(steps.cells[0].stepsToResult == 300)
    #expect(steps.cells[0].bestIndex == 1)
    #expect(steps.cells[0].counts[.reached] == 3)
    #expect(steps.render().contains("300 (lr 0.2, m 0.9)"))
  }

  @Test(.enabled(if: RunCommandTests.hasData))
  func runThenRerunThenStatus() throws {
    let store = Self.temporaryStore()
    let (code, output) = try Self.run([Self.tiny, "--store", store, "--jobs", "2"])
    #expect(code == 0, "\(output)")
    #expect(output.contains("steps-to-result"))
    let opened = try ResultsStore(path: store, options: StoreOptions(readOnly: true))
    let study = try #require(try opened.studies().first)
    let summaries = try opened.cellSummaries(study.id)
    #expect(summaries.count == 4)
    for summary in summaries {
      #expect(summary.trials == 3)
      #expect(summary.count(.planned) + summary.count(.running) + summary.count(.interrupted) == 0)
    }
    let plan = try #require(PlanFrontend().load(path: Self.tiny).plan)
    let sparse = plan.pruningNodes.filter { $0.sparsity > 0 }
    #expect(!sparse.isEmpty)
    for node in sparse { #expect(try opened.mask(node.key) != nil) }

    // A second run finds everything done and prints the same table.
    let (again, second) = try Self.run([Self.tiny, "--store", store])
    #expect(again == 0)
    #expect(second.contains("this run finished 0"))
    let table = { (text: String) in text.components(separatedBy: "\n\n").last ?? "" }
    #expect(table(second) == table(output))

    // status --json: every cell, counts by state, steps-to-result.
    let status = try Stepwise.Status.parse(["--store", store, "--json"]).render()
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any])
    #expect(json["format_version"] as? Int == 1)
    #expect(json["study"] as? String == "tiny-run-test")
    let cells = try #require(json["cells"] as? [[String: Any]])
    #expect(cells.count == 4)
    for cell in cells {
      let counts = try #require(cell["counts"] as? [String: Int])
      #expect(counts.values.reduce(0, +) == 3)
      #expect(cell["batch_size"] as? Int != nil)
    }

    // plan --store: nothing left to run.
    let replan = try Stepwise.Plan.parse([Self.tiny, "--store", store, "--detailed-exitcode"])
      .execute(decorator: PlainDecorator())
    #expect(replan.exitCode == 0, "\(replan.standardOutput)\(replan.standardError)")
  }

  @Test(.enabled(if: RunCommandTests.hasData))
  func exactEarlyStopGivesTheSameStepsToResultAsRunningEveryTrialToTheEnd() throws {
    let loaded = PlanFrontend().load(path: Self.tiny)
    let plan = try #require(loaded.plan)
    var results: [[CellID: Int?]] = []
    for early in [true, false] {
      let store = try ResultsStore(path: Self.temporaryStore())
      var run = StudyRun(
        plan: plan, isSavedPlan: false, store: store,
        parallelism: Parallelism(jobs: 2, workers: 1, threadsPerWorker: 1),
        checkpointEverySteps: 40, progress: Self.quiet())
      run.handleSignals = false
      run.exactEarlyStop = early
      let outcome = try run.execute()
      #expect(!outcome.summary.interrupted)
      if early {
        #expect(outcome.summary.stepsSavedByEarlyStop > 0)
      } else {
        #expect(outcome.summary.byState[.dominated] == nil)
      }
      results.append(
        Dictionary(uniqueKeysWithValues: outcome.table.cells.map { ($0.cell, $0.stepsToResult) }))
    }
    #expect(results[0] == results[1])
    #expect(results[0].values.contains { $0 != nil })
  }
}

/// The tiny workload, compiled, for view tests.
enum WorkloadFixture {
  static func tiny() throws -> Workload {
    let digest = PlanFrontend(datasetDigest: "sha256:test")
    guard let plan = digest.load(path: RunCommandTests.tiny).plan else {
      throw StatusError("tiny.yaml does not compile")
    }
    return plan.workload
  }
}
