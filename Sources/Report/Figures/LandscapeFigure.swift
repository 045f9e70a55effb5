import Analysis

/// The metaparameter landscape of one cell, every trial coloured by outcome, best trial starred:
/// learning rate against 1 − momentum (log–log); for SGD, learning rate against steps (the step
/// the goal was met, or the last step recorded).
enum LandscapeFigure {
  static func render(
    study: StudyAnalysis, curve: CurveAnalysis, cell: CellAnalysis, fileName: String
  ) -> Figure {
    let withMomentum = curve.optimizer != .sgd
    var byOutcome: [GoalOutcome: [ChartPoint]] = [:]
    var best: [ChartPoint] = []
    var xs: [Double] = []
    var ys: [Double] = []
    for (position, trial) in cell.results.trials.enumerated() {
      let crossing = cell.crossings[position]
      guard let rate = trial.learningRate else { continue }
      let point: ChartPoint
      if withMomentum {
        guard let gamma = trial.momentum else { continue }
        point = ChartPoint(x: 1 - gamma, y: rate, tooltip: "trial \(trial.index)")
      } else {
        let steps = crossing.firstStep ?? crossing.lastStep
        guard steps > 0 else { continue }
        point = ChartPoint(x: rate, y: Double(steps), tooltip: "trial \(trial.index)")
      }
      byOutcome[crossing.outcome, default: []].append(point)
      if position == cell.stepsToResult.bestTrialPosition { best.append(point) }
      xs.append(point.x)
      ys.append(point.y)
    }
    var series = GoalOutcome.allCases.compactMap { outcome -> ChartSeries? in
      guard let points = byOutcome[outcome] else { return nil }
      return ChartSeries(
        name: "\(OutcomeStyle.label(outcome)) (\(points.count))",
        color: OutcomeStyle.color(outcome), points: points, line: .none,
        marker: OutcomeStyle.marker(outcome), markerSize: 4)
    }
    series.append(
      ChartSeries(
        name: "best trial", color: Palette.black, points: best, line: .none, marker: .star,
        markerSize: 5))
    let title =
      "Metaparameters: \(study.workload), \(curve.label), B=\(cell.batchSize)"
    let x =
      withMomentum
      ? Axis(.log10, label: "1 − momentum γ", covering: xs)
      : Axis(.log10, label: "learning rate η", covering: xs)
    let y =
      withMomentum
      ? Axis(.log10, label: "learning rate η", covering: ys)
      : Axis(.log2, label: "steps (goal met, or last recorded)", covering: ys)
    let chart = LineChart(
      title: title, subtitle: "\(cell.results.trials.count) trials; goal: "
        + GoalText.describe(study.goal), x: x, y: y, series: series,
      notes: ["Outcome under the analysis goal; the star is the trial that sets steps-to-result."])
    return Figure(fileName: fileName, title: title, svg: chart.svg())
  }
}
