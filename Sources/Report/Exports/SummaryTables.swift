import Analysis

/// The tables people read (curves and cells), as rows of plain text; HTML and Markdown render
/// the same rows, so the two never disagree.
struct SummaryTables {
  struct Table {
    var header: [String]
    var rows: [[String]]
  }

  /// One row per curve: its fit, the bootstrap interval and where it leaves perfect scaling.
  static func curves(_ study: StudyAnalysis, rule: RegionRule) -> Table {
    let header = [
      "optimizer", "sparsity", "points / cells", "S_min (steps)", "B_crit", "B_crit 16–84%",
      "E_min (examples)", "RMS log residual",
      "leaves perfect scaling (×\(NumberFormat.short(rule.factor)))",
    ]
    let rows = study.curves.map { curve -> [String] in
      let fit = curve.fit
      var bCrit = fit.map { NumberFormat.short($0.criticalBatchSize) } ?? "no fit"
      if let bound = fit?.bound {
        bCrit += bound == .above ? " (at upper search edge)" : " (at lower search edge)"
      }
      let interval = curve.interval.map {
        "[\(NumberFormat.short($0.low)), \(NumberFormat.short($0.high))] (\($0.fitted)/\($0.resamples))"
      }
      let leaves =
        curve.leavesPerfectScalingAt.map { "B=\($0)" }
        ?? (curve.points.isEmpty ? "—" : "not within measured range")
      return [
        curve.optimizerName, SparsityFormat.percent(curve.sparsity),
        "\(curve.points.count) / \(curve.cells.count)",
        fit.map { NumberFormat.short($0.stepsMin) } ?? "—", bCrit, interval ?? "—",
        fit.map { NumberFormat.short($0.examplesMin) } ?? "—",
        fit.map { NumberFormat.short($0.rmsLogResidual) } ?? "—", leaves,
      ]
    }
    return Table(header: header, rows: rows)
  }

  /// One row per cell with its best trial.
  static func cells(_ study: StudyAnalysis) -> Table {
    let header = [
      "optimizer", "sparsity", "batch size", "trials", "reached", "steps-to-result", "region",
      "× perfect", "best trial", "learning rate", "momentum", "η/(1−γ)", "best metric",
      "resolution",
    ]
    var rows: [[String]] = []
    for curve in study.curves {
      for cell in curve.cells {
        let result = cell.stepsToResult
        let best = cell.bestTrial
        let ratio = cell.ratioToPerfectScaling
        rows.append([
          curve.optimizerName, SparsityFormat.percent(cell.sparsity), String(cell.batchSize),
          String(cell.crossings.count), String(cell.outcomeCounts[.reached] ?? 0),
          stepsText(result), cell.region?.rawValue ?? "—",
          ratio.map { NumberFormat.short($0) } ?? "—",
          best.map { "#\($0.index) \(String($0.key.prefix(12)))" } ?? "—",
          best?.learningRate.map(NumberFormat.short) ?? "—",
          best?.momentum.map(NumberFormat.short) ?? "—",
          best?.effectiveLearningRate.map(NumberFormat.short) ?? "—",
          cell.bestMetric.map(NumberFormat.short) ?? "—", resolutionText(cell),
        ])
      }
    }
    return Table(header: header, rows: rows)
  }

  /// "100 (8.3%)": the evaluation interval that ends at the cell's steps-to-result, and its size
  /// relative to it (the true crossing lies within it); "—" without a point.
  static func resolutionText(_ cell: CellAnalysis) -> String {
    guard let steps = cell.resolutionSteps, let fraction = cell.resolution else { return "—" }
    return "\(steps) (\(NumberFormat.short(100 * fraction))%)"
  }

  /// "1200", "≤ 1200 (bound, > 900)", "no point", "no point yet (> 900)".
  static func stepsText(_ result: StepsToResult) -> String {
    switch (result.steps, result.exactness) {
    case (let steps?, .exact): return String(steps)
    case (let steps?, _):
      return "≤ \(steps) (bound, > \(result.lowerBoundExclusive ?? 0))"
    case (nil, .unknown): return "no point yet (> \(result.lowerBoundExclusive ?? 0))"
    case (nil, _): return "no point"
    }
  }

  /// Sentences about cells without a point, and about bounds.
  static func notes(_ study: StudyAnalysis) -> [String] {
    var notes: [String] = []
    for curve in study.curves {
      for cell in curve.cells {
        let counts = cell.outcomeCounts
        let summary = GoalOutcome.allCases.compactMap { outcome in
          counts[outcome].map { "\($0) \(outcome.rawValue)" }
        }.joined(separator: ", ")
        let prefix = "\(curve.label), B=\(cell.batchSize)"
        switch (cell.stepsToResult.steps, cell.stepsToResult.exactness) {
        case (_, .upperBound) where cell.stepsToResult.boundByEarlyExit,
          (nil, .unknown) where cell.stepsToResult.boundByEarlyExit:
          notes.append(
            "\(prefix): a bound for this goal — an evaluation after step "
              + "\(cell.stepsToResult.lowerBoundExclusive ?? 0) exited early under the run's "
              + "stricter goal and does not show whether this looser one was met; run with this "
              + "goal (or evaluation.exit_early: false) to make it exact.")
        case (nil, .unknown):
          notes.append(
            "\(prefix): no trial has reached the goal yet; truncated trials (\(summary)) might.")
        case (nil, _):
          notes.append(
            "\(prefix): no point — no trial reached the goal (\(summary.isEmpty ? "no trials" : summary))."
          )
        case (_, .upperBound):
          notes.append(
            "\(prefix): an upper bound — a truncated trial stopped at step "
              + "\(cell.stepsToResult.lowerBoundExclusive ?? 0) might have reached the goal sooner."
          )
        default:
          break
        }
      }
    }
    return notes
  }
}
