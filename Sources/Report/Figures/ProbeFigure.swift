import Analysis
import Foundation

/// The landscape probes of one optimizer's curves: Lee et al.'s Lipschitz estimate and
/// McCandlish et al.'s noise scale against the training step, one series per sparsity (median
/// over the probing trials, range in the tooltip); and the noise scale's predicted critical batch
/// size beside the one fitted to the measured steps-to-result, with its bootstrap interval.
enum ProbeFigure {
  static func render(_ probes: [ProbeCurve], study: StudyAnalysis, base: String) -> [Figure] {
    guard !probes.isEmpty else { return [] }
    var figures: [Figure] = []
    let name = probes[0].optimizerName
    for (kind, label, file) in [
      (ProbeValue.Kind.lipschitz, "Lipschitz estimate L (max over gamma)", "lipschitz"),
      (.noiseScale, "noise scale B_simple = tr(Σ)/|G|² (examples)", "noise-scale"),
    ] {
      var series: [ChartSeries] = []
      var xs: [Double] = []
      var ys: [Double] = []
      for (i, curve) in probes.enumerated() {
        let points = kind == .lipschitz ? curve.lipschitz : curve.noiseScale
        guard !points.isEmpty else { continue }
        series.append(
          ChartSeries(
            name: "sparsity \(SparsityFormat.percent(curve.sparsity))", color: Palette.color(i),
            points: points.map {
              ChartPoint(
                x: Double(max($0.step, 1)), y: $0.median,
                tooltip: "step \($0.step): \(NumberFormat.short($0.median)) "
                  + "(\(NumberFormat.short($0.low))–\(NumberFormat.short($0.high)), "
                  + "\($0.trials) trial\($0.trials == 1 ? "" : "s"))")
            }, marker: Marker.shape(i)))
        xs += points.map { Double(max($0.step, 1)) }
        ys += points.map(\.median)
      }
      guard !series.isEmpty else { continue }
      let title =
        (kind == .lipschitz ? "Lipschitz smoothness" : "Gradient noise scale")
        + " vs step: \(study.workload), \(name)"
      let chart = LineChart(
        title: title, subtitle: "median over the probing trials; step 0 is drawn at 1",
        x: Axis(.log2, label: "training step", covering: xs),
        y: Axis(.log10, label: label, covering: ys), series: series)
      figures.append(Figure(fileName: "\(base)-\(file).svg", title: title, svg: chart.svg()))
    }
    if let comparison = prediction(probes, study: study, base: base) { figures.append(comparison) }
    return figures
  }

  /// Predicted B_noise and fitted B_crit (with its interval as a vertical bar) per sparsity.
  static func prediction(_ probes: [ProbeCurve], study: StudyAnalysis, base: String) -> Figure? {
    let predicted = probes.compactMap { c in
      c.predictedCriticalBatchSize.map {
        ChartPoint(
          x: c.sparsity, y: $0, tooltip: "predicted B_noise \(NumberFormat.short($0))")
      }
    }
    let fitted = probes.compactMap { c in
      c.fittedCriticalBatchSize.map {
        ChartPoint(x: c.sparsity, y: $0, tooltip: "fitted B_crit \(NumberFormat.short($0))")
      }
    }
    guard !predicted.isEmpty || !fitted.isEmpty else { return nil }
    var series = [
      ChartSeries(
        name: "predicted B_noise (probes)", color: Palette.color(0), points: predicted,
        marker: Marker.shape(0)),
      ChartSeries(
        name: "fitted B_crit (steps-to-result)", color: Palette.color(1), points: fitted,
        marker: Marker.shape(1)),
    ]
    var ys = predicted.map(\.y) + fitted.map(\.y)
    for c in probes {
      guard let range = c.fittedInterval else { continue }
      series.append(
        ChartSeries(
          name: "interval", color: Palette.color(1),
          points: [
            ChartPoint(x: c.sparsity, y: range.lowerBound),
            ChartPoint(x: c.sparsity, y: range.upperBound),
          ],
          marker: .none, lineWidth: 1.2, inLegend: false))
      ys += [range.lowerBound, range.upperBound]
    }
    let title =
      "Predicted vs fitted critical batch size: \(study.workload), \(probes[0].optimizerName)"
    let chart = LineChart(
      title: title, subtitle: "McCandlish et al.: B_crit ≈ B_noise; bars: bootstrap interval",
      x: Axis(.linear, label: "sparsity", covering: probes.map(\.sparsity) + [0, 1]),
      y: Axis(.log2, label: "batch size (examples per step)", covering: ys), series: series)
    return Figure(fileName: "\(base)-critical-batch.svg", title: title, svg: chart.svg())
  }
}
