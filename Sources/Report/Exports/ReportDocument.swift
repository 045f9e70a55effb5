import Analysis
import Foundation
import WorkloadModel

/// `report.json`: the analysis for notebooks and tools (documented in `docs/report-format.md`).
/// Absent optional fields mean "none" (no point, no fit, no best trial).
struct ReportDocument: Encodable {
  static let formatVersion = 1

  struct Options: Encodable {
    var goalThreshold: Double?
    var goalComparison: String?
    var regionFactor: Double
    var plateauGain: Double
    var bootstrapResamples: Int
    var seed: UInt64
  }

  struct BestTrial: Encodable {
    var index: Int
    var key: String
    var metaparameters: [String: Double]
    var effectiveLearningRate: Double?
  }

  struct Cell: Encodable {
    var batchSize: Int
    var trials: Int
    var outcomes: [String: Int]
    var stepsToResult: Int?
    var exactness: String
    var lowerBoundExclusive: Int?
    var perfectScalingSteps: Double?
    var region: String?
    var bestTrial: BestTrial?
    var bestMetric: Double?
    /// The evaluation interval ending at `stepsToResult`, in steps and as a fraction of it.
    var resolutionSteps: Int?
    var resolution: Double?
    /// Present (true) only when an evaluation that exited early makes the cell a bound.
    var boundByEarlyExit: Bool?
  }

  struct Fit: Encodable {
    var stepsMin: Double
    var criticalBatchSize: Double
    var examplesMin: Double
    var rmsLogResidual: Double
    var pointCount: Int
    var bound: String?
  }

  struct Curve: Encodable {
    var optimizer: String
    var optimizerKind: String
    var sparsity: Double
    var anchorBatchSize: Int?
    var leavesPerfectScalingAt: Int?
    var fit: Fit?
    var bootstrap: BootstrapInterval?
    var cells: [Cell]
  }

  struct Study: Encodable {
    var workload: String
    var dataset: String
    var storedGoal: Goal
    var goal: Goal
    var evaluationEverySteps: Int?
    var trials: Int
    var curves: [Curve]
    var masks: [MaskDensity]
    /// Absent without probes.
    var probes: [Probes]?
  }

  /// A curve's landscape probes: every stored value and the two critical batch sizes.
  struct Probes: Encodable {
    struct Value: Encodable {
      var trialKey: String
      var kind: String
      var step: Int
      var value: Double?
    }
    var optimizer: String
    var sparsity: Double
    var predictedCriticalBatchSize: Double?
    var fittedCriticalBatchSize: Double?
    var fittedIntervalLow: Double?
    var fittedIntervalHigh: Double?
    var values: [Value]
  }

  var formatVersion = ReportDocument.formatVersion
  var options: Options
  var studies: [Study]
  var figures: [String]

  init(studies analyses: [StudyAnalysis], options: AnalysisOptions, figures: [String]) {
    self.options = Options(
      goalThreshold: options.goalThreshold, goalComparison: options.goalComparison?.rawValue,
      regionFactor: options.regionRule.factor, plateauGain: options.regionRule.plateauGain,
      bootstrapResamples: options.bootstrapResamples, seed: options.seed)
    self.figures = figures
    self.studies = analyses.map { study in
      Study(
        workload: study.workload, dataset: study.dataset, storedGoal: study.storedGoal,
        goal: study.goal, evaluationEverySteps: study.evaluationEverySteps,
        trials: study.trialCount,
        curves: study.curves.map { curve in
          Curve(
            optimizer: curve.optimizerName, optimizerKind: curve.optimizer.rawValue,
            sparsity: curve.sparsity, anchorBatchSize: curve.anchorBatchSize,
            leavesPerfectScalingAt: curve.leavesPerfectScalingAt,
            fit: curve.fit.map {
              Fit(
                stepsMin: $0.stepsMin, criticalBatchSize: $0.criticalBatchSize,
                examplesMin: $0.examplesMin, rmsLogResidual: $0.rmsLogResidual,
                pointCount: $0.pointCount, bound: $0.bound?.rawValue)
            },
            bootstrap: curve.interval,
            cells: curve.cells.map(ReportDocument.cell))
        },
        masks: study.masks,
        probes: study.probes.isEmpty
          ? nil
          : study.probes.map { p in
            Probes(
              optimizer: p.optimizerName, sparsity: p.sparsity,
              predictedCriticalBatchSize: p.predictedCriticalBatchSize,
              fittedCriticalBatchSize: p.fittedCriticalBatchSize,
              fittedIntervalLow: p.fittedInterval?.lowerBound,
              fittedIntervalHigh: p.fittedInterval?.upperBound,
              values: p.values.map {
                Probes.Value(trialKey: $0.trialKey, kind: $0.kind.rawValue, step: $0.step, value: $0.value)
              })
          })
    }
  }

  static func cell(_ cell: CellAnalysis) -> Cell {
    var outcomes: [String: Int] = [:]
    for (outcome, count) in cell.outcomeCounts { outcomes[outcome.rawValue] = count }
    return Cell(
      batchSize: cell.batchSize, trials: cell.crossings.count, outcomes: outcomes,
      stepsToResult: cell.stepsToResult.steps, exactness: cell.stepsToResult.exactness.rawValue,
      lowerBoundExclusive: cell.stepsToResult.lowerBoundExclusive,
      perfectScalingSteps: cell.perfectScalingSteps, region: cell.region?.rawValue,
      bestTrial: cell.bestTrial.map {
        BestTrial(
          index: $0.index, key: $0.key, metaparameters: $0.metaparameters,
          effectiveLearningRate: $0.effectiveLearningRate)
      }, bestMetric: cell.bestMetric, resolutionSteps: cell.resolutionSteps,
      resolution: cell.resolution,
      boundByEarlyExit: cell.stepsToResult.boundByEarlyExit ? true : nil)
  }

  func encoded() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
  }
}
