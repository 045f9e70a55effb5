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
