import Analysis

/// Curves of several workloads or optimizers at one sparsity on one figure (SGD vs momentum vs
/// Nesterov, MNIST vs Fashion-MNIST), normalised by each curve's value at its smallest batch size
/// so that shapes, not goals, are compared.
enum ComparisonFigure {
  static func render(
    entries: [(study: StudyAnalysis, curve: CurveAnalysis)], sparsity: Double, fileName: String
  ) -> Figure {
    var series: [ChartSeries] = []
    var xs: [Double] = []
    var ys: [Double] = []
    for (i, entry) in entries.enumerated() {
      let curve = entry.curve
      let name = "\(entry.study.workload) · \(curve.optimizerName)"
      let missing = curve.cells.filter { $0.stepsToResult.steps == nil }.map {
        Double($0.batchSize)
      }
      xs += curve.cells.map { Double($0.batchSize) }
      guard let anchor = curve.points.first?.stepsToResult.steps else {
        series.append(
          ChartSeries(name: name + ": no point", color: Palette.color(i), points: [],
            marker: Marker.shape(i), missing: missing))
        continue
      }
      let points = curve.points.compactMap { cell in
        cell.stepsToResult.steps.map {
          ChartPoint(
            x: Double(cell.batchSize), y: Double($0) / Double(anchor),
            hollow: cell.stepsToResult.exactness != .exact)
        }
      }
      ys += points.map(\.y)
      series.append(
        ChartSeries(
          name: name, color: Palette.color(i), points: points, marker: Marker.shape(i),
          missing: missing))
    }
    if let lo = xs.min(), let hi = xs.max() {
      series.append(
        ChartSeries(
          name: "perfect scaling", color: Palette.black,
          points: [ChartPoint(x: lo, y: 1), ChartPoint(x: hi, y: lo / hi)], line: .dashed,
          marker: .none, lineWidth: 1.2))
      ys.append(lo / hi)
    }
    let title = "Comparison at sparsity \(SparsityFormat.percent(sparsity))"
    let chart = LineChart(
      title: title, subtitle: "each curve normalised by its steps at its smallest batch size",
      x: Axis(.log2, label: "batch size (examples per step)", covering: xs),
      y: Axis(.log2, label: "steps / steps at smallest batch size", covering: ys),
      series: series,
      notes: [
        "Perfect scaling is drawn from the smallest batch size of all curves.",
        "× at the top: no trial reached the goal at that batch size.",
      ])
    return Figure(fileName: fileName, title: title, svg: chart.svg())
  }
}
