import Analysis
import Foundation

/// Steps-to-result against batch size, one curve per sparsity (log2–log2), raw or normalised by
/// each curve's value at its smallest batch size, with each curve's perfect-scaling line.
enum StepsFigure {
  static func render(
    study: StudyAnalysis, curves: [CurveAnalysis], normalised: Bool, fileName: String
  ) -> Figure {
    var series: [ChartSeries] = []
    var allY: [Double] = []
    var allX: [Double] = []
    for (i, curve) in curves.enumerated() {
      let color = Palette.color(i)
      guard let anchorCell = curve.points.first, let anchorSteps = anchorCell.stepsToResult.steps
      else {
        series.append(
          ChartSeries(
            name: "\(curve.label): no point", color: color, points: [], line: .none,
            marker: Marker.shape(i), missing: curve.cells.map { Double($0.batchSize) }))
        allX += curve.cells.map { Double($0.batchSize) }
        continue
      }
      let scale = normalised ? Double(anchorSteps) : 1
      let points = curve.points.compactMap { cell -> ChartPoint? in
        guard let steps = cell.stepsToResult.steps else { return nil }
        return ChartPoint(
          x: Double(cell.batchSize), y: Double(steps) / scale,
          hollow: cell.stepsToResult.exactness != .exact,
          tooltip: "B=\(cell.batchSize): \(steps) steps")
      }
      var name = "sparsity \(SparsityFormat.percent(curve.sparsity))"
      if let fit = curve.fit {
        name += fit.bound == nil ? ", B_crit≈\(NumberFormat.short(fit.criticalBatchSize))" : ""
      }
      let missing = curve.cells.filter { $0.stepsToResult.steps == nil }.map {
        Double($0.batchSize)
      }
      series.append(
        ChartSeries(
          name: name, color: color, points: points, marker: Marker.shape(i), missing: missing))
      let b0 = Double(anchorCell.batchSize)
      let xs = curve.cells.map { Double($0.batchSize) }.filter { $0 >= b0 }
      let perfect = xs.map { ChartPoint(x: $0, y: Double(anchorSteps) * b0 / $0 / scale) }
      series.append(
        ChartSeries(
          name: "perfect scaling", color: color, points: perfect, line: .dashed, marker: .none,
          lineWidth: 1.2, inLegend: false))
      if let fit = curve.fit, let lo = xs.first, let hi = xs.last {
        let samples = (0...40).map { k in lo * exp2(Double(k) / 40 * log2(hi / lo)) }
        series.append(
          ChartSeries(
            name: "fit", color: color,
            points: samples.map { ChartPoint(x: $0, y: fit.steps(atBatchSize: $0) / scale) },
            line: .dotted, marker: .none, lineWidth: 1.2, inLegend: false))
      }
      allX += curve.cells.map { Double($0.batchSize) }
      allY += points.map(\.y) + perfect.map(\.y)
    }
    series.append(
      ChartSeries(name: "perfect scaling (dashed)", color: Palette.black, points: [], line: .dashed,
        marker: .none))
    series.append(
      ChartSeries(name: "fit S_min(1 + B_noise/B) (dotted)", color: Palette.black, points: [],
        line: .dotted, marker: .none))
    let optimizer = curves.first?.optimizerName ?? ""
    let title =
      normalised
      ? "Normalised steps-to-result: \(study.workload), \(optimizer)"
      : "Steps-to-result: \(study.workload), \(optimizer)"
    let yLabel =
      normalised ? "steps / steps at smallest batch size" : "steps to reach goal (training steps)"
    var notes = [
      "Hollow markers: upper bounds (a truncated trial might have reached the goal sooner).",
      "× at the top: no trial reached the goal at that batch size (no point, not a number).",
    ]
    if let every = study.evaluationEverySteps {
      notes.append("Steps are measured at evaluations, every \(every) steps.")
    }
    let chart = LineChart(
      title: title, subtitle: "goal: \(GoalText.describe(study.goal)); dataset \(study.dataset)",
      x: Axis(.log2, label: "batch size (examples per step)", covering: allX),
      y: Axis(.log2, label: yLabel, covering: allY), series: series, notes: notes)
    return Figure(fileName: fileName, title: title, svg: chart.svg())
  }
}
