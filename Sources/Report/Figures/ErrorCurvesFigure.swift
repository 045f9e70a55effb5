import Analysis

/// The validation curves of one cell's trials with the goal line: each trial coloured by its
/// outcome, the best trial in black. An evaluation that exited early is a lower bound, not a
/// value: it is drawn as a hollow triangle (the true value lies on or above it), off the line.
enum ErrorCurvesFigure {
  static func render(
    study: StudyAnalysis, curve: CurveAnalysis, cell: CellAnalysis, fileName: String
  ) -> Figure {
    var series: [ChartSeries] = []
    var xs: [Double] = [0]
    var ys: [Double] = [study.goal.threshold]
    var seen: [GoalOutcome] = []
    var bestSeries: ChartSeries?
    var bounds: [ChartPoint] = []
    for (position, trial) in cell.results.trials.enumerated() {
      let outcome = cell.crossings[position].outcome
      let values = trial.curve.values(of: study.goal.metric)
      var points: [ChartPoint] = []
      for (i, (step, value)) in zip(trial.curve.steps, values).enumerated()
      where value.isFinite && value > 0 {
        let point = ChartPoint(x: Double(step), y: value)
        if trial.curve.isBound(i) {
          bounds.append(ChartPoint(x: point.x, y: point.y, hollow: true))
        } else {
          points.append(point)
        }
      }
      xs += points.map(\.x)
      ys += points.map(\.y)
      if position == cell.stepsToResult.bestTrialPosition {
        bestSeries = ChartSeries(
          name: "best trial (\(trial.index))", color: Palette.black, points: points,
          marker: .none, lineWidth: 2.5)
        continue
      }
      if !seen.contains(outcome) { seen.append(outcome) }
      series.append(
        ChartSeries(
          name: OutcomeStyle.label(outcome), color: OutcomeStyle.color(outcome), points: points,
          marker: .none, lineWidth: 1, lineOpacity: 0.55, inLegend: false))
    }
    for outcome in GoalOutcome.allCases where seen.contains(outcome) {
      series.append(
        ChartSeries(
          name: OutcomeStyle.label(outcome), color: OutcomeStyle.color(outcome), points: [],
          marker: .none))
    }
    xs += bounds.map(\.x)
    ys += bounds.map(\.y)
    if !bounds.isEmpty {
      series.append(
        ChartSeries(
          name: "lower bound (evaluation exited early)", color: Palette.grey, points: bounds,
          line: .none, marker: .triangle, markerSize: 3.5))
    }
    if let bestSeries { series.append(bestSeries) }
    let x = Axis(.linear, label: "training step", covering: xs, includeZero: true)
    series.append(
      ChartSeries(
        name: "goal \(study.goal.comparison.rawValue) \(NumberFormat.exact(study.goal.threshold))",
        color: Palette.black,
        points: [
          ChartPoint(x: x.lower, y: study.goal.threshold),
          ChartPoint(x: x.upper, y: study.goal.threshold),
        ],
        line: .dashed, marker: .none, lineWidth: 1.2))
    let metric = GoalText.metricName(study.goal)
    let title = "Validation curves: \(study.workload), \(curve.label), B=\(cell.batchSize)"
    let chart = LineChart(
      title: title,
      subtitle: "\(cell.results.trials.count) trials; goal: "
        + GoalText.describe(study.goal), x: x,
      y: Axis(.log10, label: metric, covering: ys), series: series,
      notes: ["Each line is one trial, coloured by its outcome; values ≤ 0 or NaN are not drawn."])
    return Figure(fileName: fileName, title: title, svg: chart.svg())
  }
}
