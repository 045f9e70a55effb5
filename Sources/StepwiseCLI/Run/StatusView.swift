import Foundation
import Planning
import ResultsStore
import Scheduling

/// `stepwise status` as text (a row per cell) and as JSON (documented in docs/running.md).
struct StatusView {
  var store: String
  var study: StudyListing
  var table: StepsTable

  /// The states in the order columns show them.
  static let states: [TrialState] = [
    .planned, .running, .interrupted, .reached, .notReached, .dominated, .diverged, .failed,
  ]

  func human() -> String {
    let goal = study.workload.goal
    var out = "study \(study.name) in \(store)\n"
    out += "goal: \(goal.metric.rawValue) \(goal.comparison.rawValue) \(goal.threshold)\n"
    let totals = table.totals
    let finished = Self.states.filter(\.isFinished).reduce(0) { $0 + (totals[$1] ?? 0) }
    let all = table.cells.reduce(0) { $0 + $1.trials }
    out += "trials: \(finished)/\(all) finished\n\n"
    var rows: [[String]] = [
      ["optimizer", "batch", "sparsity"] + Self.states.map(\.rawValue) + ["steps-to-result"]
    ]
    for cell in table.cells {
      let name =
        cell.cell.optimizer < table.optimizerNames.count
        ? table.optimizerNames[cell.cell.optimizer] : "\(cell.cell.optimizer)"
      rows.append(
        [name, "\(cell.cell.batchSize)", StepsTable.percent(cell.cell.sparsity)]
          + Self.states.map { "\(cell.counts[$0] ?? 0)" }
          + [cell.stepsToResult.map(String.init) ?? "-"])
    }
    out += StepsTable.align(rows)
    return out
  }

  /// Stable JSON for scripts: `format_version` 1; see docs/running.md for every field.
  func json() throws -> String {
    let goal = study.workload.goal
    let cells: [[String: Any]] = table.cells.map { cell in
      var entry: [String: Any] = [
        "optimizer": cell.cell.optimizer < table.optimizerNames.count
          ? table.optimizerNames[cell.cell.optimizer] : "\(cell.cell.optimizer)",
        "optimizer_index": cell.cell.optimizer,
        "batch_size": cell.cell.batchSize,
        "sparsity": cell.cell.sparsity,
        "trials": cell.trials,
        "counts": Dictionary(
          uniqueKeysWithValues: TrialState.allCases.map { ($0.rawValue, cell.counts[$0] ?? 0) }),
        "steps_to_result": cell.stepsToResult.map { $0 as Any } ?? NSNull(),
      ]
      if let index = cell.bestIndex {
        var best: [String: Any] = ["index": index]
        for (name, value) in cell.bestMetaparameters { best[name.rawValue] = value }
        entry["best_trial"] = best
      } else {
        entry["best_trial"] = NSNull()
      }
      return entry
    }
    let totals = table.totals
    let document: [String: Any] = [
      "format_version": 1,
      "store": store,
      "study": study.name,
      "goal": [
        "metric": goal.metric.rawValue, "comparison": goal.comparison.rawValue,
        "threshold": goal.threshold,
      ],
      "totals": Dictionary(
        uniqueKeysWithValues: TrialState.allCases.map { ($0.rawValue, totals[$0] ?? 0) }),
      "cells": cells,
    ]
    let data = try JSONSerialization.data(
      withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
