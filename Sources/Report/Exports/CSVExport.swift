import Analysis
import WorkloadModel

/// The three CSV tables of a report; their columns are documented in `docs/report-format.md` and
/// stay stable (new columns are only appended).
enum CSVExport {
  /// The metaparameter columns, always present (empty where a trial has no such value).
  static let metaparameterColumns = Metaparameter.allCases.map(\.rawValue)

  static let cellColumns =
    [
      "workload", "dataset", "optimizer", "optimizer_kind", "sparsity", "batch_size",
      "goal_metric", "goal_comparison", "goal_threshold", "trials", "reached",
      "steps_to_result", "exactness", "lower_bound_exclusive", "perfect_scaling_steps",
      "ratio_to_perfect_scaling", "region", "best_trial_index", "best_trial_key",
    ] + metaparameterColumns + [
      "effective_learning_rate", "best_metric", "resolution_steps", "resolution",
      "bound_by_early_exit",
    ]

  static func cells(_ studies: [StudyAnalysis]) -> String {
    var table = CSVTable(header: cellColumns)
    for study in studies {
      for curve in study.curves {
        for cell in curve.cells {
          let result = cell.stepsToResult
          let best = cell.bestTrial
          let ratio = cell.ratioToPerfectScaling
          var row = [
            study.workload, study.dataset, curve.optimizerName, curve.optimizer.rawValue,
            NumberFormat.exact(cell.sparsity), String(cell.batchSize),
            study.goal.metric.rawValue, study.goal.comparison.rawValue,
            NumberFormat.exact(study.goal.threshold), String(cell.crossings.count),
            String(cell.outcomeCounts[.reached] ?? 0), NumberFormat.exact(result.steps),
            result.exactness.rawValue, NumberFormat.exact(result.lowerBoundExclusive),
            NumberFormat.exact(cell.perfectScalingSteps), NumberFormat.exact(ratio),
            cell.region?.rawValue ?? "", NumberFormat.exact(best?.index), best?.key ?? "",
          ]
          row += metaparameterColumns.map { NumberFormat.exact(best?.metaparameters[$0]) }
          row += [
            NumberFormat.exact(best?.effectiveLearningRate), NumberFormat.exact(cell.bestMetric),
            NumberFormat.exact(cell.resolutionSteps), NumberFormat.exact(cell.resolution),
            result.boundByEarlyExit ? "1" : "0",
          ]
          table.row(row)
        }
      }
    }
    return table.text
  }

  static let trialColumns =
    [
      "workload", "optimizer", "sparsity", "batch_size", "trial_index", "trial_key", "state",
      "outcome", "first_step_meeting_goal", "last_step", "evaluations", "final_metric",
      "best_metric", "is_best",
    ] + metaparameterColumns + ["effective_learning_rate", "bound_evaluations"]

  static func trials(_ studies: [StudyAnalysis]) -> String {
    var table = CSVTable(header: trialColumns, reserve: 1 << 20)
    for study in studies {
      for curve in study.curves {
        for cell in curve.cells {
          let prefix = [
            study.workload, curve.optimizerName, NumberFormat.exact(cell.sparsity),
            String(cell.batchSize),
          ]
          for (position, trial) in cell.results.trials.enumerated() {
            let crossing = cell.crossings[position]
            let values = trial.curve.values(of: study.goal.metric)
            let complete = values.indices.filter { !trial.curve.isBound($0) }.map { values[$0] }
            var row = prefix
            row += [
              String(trial.index), trial.key, trial.state.rawValue, crossing.outcome.rawValue,
              NumberFormat.exact(crossing.firstStep), String(crossing.lastStep),
              String(trial.curve.count), NumberFormat.exact(values.last),
              NumberFormat.exact(complete.filter { !$0.isNaN }.min()),
              position == cell.stepsToResult.bestTrialPosition ? "1" : "0",
            ]
            row += metaparameterColumns.map { NumberFormat.exact(trial.metaparameters[$0]) }
            row.append(NumberFormat.exact(trial.effectiveLearningRate))
            row.append(String(values.indices.filter { trial.curve.isBound($0) }.count))
            table.row(row)
          }
        }
      }
    }
    return table.text
  }

  static let evaluationColumns = [
    "workload", "optimizer", "sparsity", "batch_size", "trial_index", "step", "validation_error",
    "validation_loss", "wrong", "examples_seen", "examples_total", "bound",
  ]

  /// One row per stored evaluation; joins to trials.csv on (workload, optimizer, sparsity,
  /// batch_size, trial_index).
  static func evaluations(_ studies: [StudyAnalysis]) -> String {
    var table = CSVTable(header: evaluationColumns, reserve: 1 << 24)
    for study in studies {
      for curve in study.curves {
        for cell in curve.cells {
          let head =
            CSVTable.line([
              study.workload, curve.optimizerName, NumberFormat.exact(cell.sparsity),
              String(cell.batchSize),
            ]) + ","
          for trial in cell.results.trials {
            let trialHead = head + String(trial.index) + ","
            let c = trial.curve
            for i in 0..<c.count {
              table.appendRaw(trialHead)
              table.appendRaw(String(c.steps[i]))
              table.appendRaw(",")
              if i < c.validationError.count {
                table.appendRaw(NumberFormat.exact(c.validationError[i]))
              }
              table.appendRaw(",")
              if i < c.validationLoss.count {
                table.appendRaw(NumberFormat.exact(c.validationLoss[i]))
              }
              let counts = c.counts(i)
              table.appendRaw(",")
              table.appendRaw(NumberFormat.exact(counts?.wrong))
              table.appendRaw(",")
              table.appendRaw(NumberFormat.exact(counts?.seen))
              table.appendRaw(",")
              table.appendRaw(NumberFormat.exact(counts?.total))
              table.appendRaw(counts.map { $0.isComplete ? ",0\n" : ",1\n" } ?? ",\n")
            }
          }
        }
      }
    }
    return table.text
  }
}
