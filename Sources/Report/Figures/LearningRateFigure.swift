import Analysis

/// The best trial's learning rate, and effective learning rate η/(1−γ) for momentum and Nesterov,
/// against batch size: one colour per sparsity, solid for η, dashed for η/(1−γ).
enum LearningRateFigure {
  static func render(study: StudyAnalysis, curves: [CurveAnalysis], fileName: String) -> Figure {
    var series: [ChartSeries] = []
    var xs: [Double] = []
    var ys: [Double] = []
    let hasMomentum = curves.contains { $0.optimizer != .sgd }
    for (i, curve) in curves.enumerated() {
      let color = Palette.color(i)
      var rates: [ChartPoint] = []
      var effective: [ChartPoint] = []
      for cell in curve.points {
        guard let best = cell.bestTrial else { continue }
        let b = Double(cell.batchSize)
        if let rate = best.learningRate { rates.append(ChartPoint(x: b, y: rate)) }
        if curve.optimizer != .sgd, let e = best.effectiveLearningRate {
          effective.append(ChartPoint(x: b, y: e))
        }
      }
      let label = "sparsity \(SparsityFormat.percent(curve.sparsity))"
      series.append(ChartSeries(name: "η, \(label)", color: color, points: rates, marker: .circle))
      if !effective.isEmpty {
        series.append(
          ChartSeries(
            name: "η/(1−γ), \(label)", color: color, points: effective, line: .dashed,
            marker: .square))
      }
      xs += curve.cells.map { Double($0.batchSize) }
      ys += rates.map(\.y) + effective.map(\.y)
    }
    let optimizer = curves.first?.optimizerName ?? ""
    let title = "Best learning rate: \(study.workload), \(optimizer)"
    let yLabel = hasMomentum ? "learning rate η, effective η/(1−γ)" : "learning rate η"
    let chart = LineChart(
      title: title, subtitle: "best trial of each cell; goal: \(GoalText.describe(study.goal))",
      x: Axis(.log2, label: "batch size (examples per step)", covering: xs),
      y: Axis(.log10, label: yLabel, covering: ys), series: series,
      notes: ["Only cells with a point have a best trial."])
    return Figure(fileName: fileName, title: title, svg: chart.svg())
  }
}
