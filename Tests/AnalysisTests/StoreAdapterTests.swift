import Analysis
import Foundation
import Planning
import ResultsStore
import Scheduling
import Testing
import WorkloadLoading

@Suite struct StoreAdapterTests {
  @Test func studyTableBecomesCellsWithCurves() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("workloads/mnist-simple-cnn-nesterov.yaml").path
    let loaded = WorkloadLoader(environment: [:]).load(path: path)
    let workload = try #require(loaded.workload, "\(loaded.diagnostics)")

    var table = StudyTable()
    let rows: [(CellID, Int, Scheduling.TrialState, [Int32], [Double])] = [
      (CellID(optimizer: 0, batchSize: 4, sparsity: 0.9), 0, .reached, [100, 200], [0.3, 0.01]),
      (CellID(optimizer: 0, batchSize: 2, sparsity: 0.9), 0, .notReached, [100], [0.5]),
      (CellID(optimizer: 0, batchSize: 4, sparsity: 0.9), 1, .dominated, [100, 200], [0.4, 0.2]),
    ]
    for (i, row) in rows.enumerated() {
      table.keys.append(TrialKey(hex: "k\(i)"))
      table.cells.append(row.0)
      table.indices.append(row.1)
      table.states.append(row.2)
      table.stepsToResult.append(nil)
      table.stepsRun.append(Int(row.3.last ?? 0))
      table.maxSteps.append(40000)
      table.bestMetric.append(row.4.min())
      table.metaparameters.append([.learningRate: 0.01, .momentum: 0.9])
      table.wallSeconds.append(1)
      table.steps += row.3
      table.validationError += row.4
      table.validationLoss += row.4
      table.trainingLoss += row.4
      table.curveStart.append(table.steps.count)
    }
    let study = StudyResults(table: table, workload: workload)
    #expect(study.workload == "mnist-simple-cnn-nesterov")
    #expect(study.dataset == "mnist")
    #expect(study.goal == workload.goal)
    #expect(study.evaluationEverySteps == 100)
    #expect(study.cells.map(\.batchSize) == [2, 4])
    let cell = try #require(study.cells.last)
    #expect(cell.optimizer == .nesterov && cell.optimizerName == "nesterov")
    #expect(cell.trials.map(\.state) == [.reached, .dominated])
    #expect(cell.trials[1].curve.steps == [100, 200])
    #expect(cell.trials[0].metaparameters["momentum"] == 0.9)
    let analysis = Analyzer.analyze(study, options: AnalysisOptions(bootstrapResamples: 0))
    #expect(analysis.curves.first?.cells.last?.stepsToResult.steps == 200)
  }
}

@Suite struct StoreRoundTripTests {
  /// Plan → SQLite store → bulk read → analysis: the path `stepwise report --store` takes.
  @Test func curvesRecordedInAStoreAreAnalysed() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("workloads/mnist-simple-cnn-sgd.yaml").path
    let workload = try #require(WorkloadLoader(environment: [:]).load(path: path).workload)
    let plan = try #require(PlanCompiler(datasetDigest: "test").compile(workload).0)
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("stepwise-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try ResultsStore(path: directory.appendingPathComponent("s.sqlite").path)
    let id = try store.register(plan, planHash: "test")
    let cell = try #require(plan.trials.first?.cell)
    let trials = plan.trials.filter { $0.cell == cell }
    let threshold = workload.goal.threshold
    try store.recordEvaluations([
      (
        trials[0].key,
        [
          Evaluation(step: 100, validationError: 0.5, validationLoss: 1, trainingLoss: 1),
          Evaluation(step: 200, validationError: threshold / 2, validationLoss: 1, trainingLoss: 1),
        ]
      )
    ])
    let study = StudyResults(table: try store.readStudy(id), workload: workload)
    #expect(study.cells.reduce(0) { $0 + $1.trials.count } == plan.trials.count)
    let analysis = Analyzer.analyze(study, options: AnalysisOptions(bootstrapResamples: 0))
    let measured = try #require(
      analysis.curves.flatMap(\.cells).first {
        $0.batchSize == cell.batchSize && $0.sparsity == cell.sparsity
      })
    #expect(measured.stepsToResult.steps == 200)
    // The other trials of the cell are still planned: they could yet do better.
    #expect(measured.stepsToResult.exactness == (trials.count > 1 ? .upperBound : .exact))
  }
}
