import Analysis

/// Per-layer density (kept / prunable) of every (sparsity, method) mask of a study.
enum MaskDensityFigure {
  static func render(study: StudyAnalysis, fileName: String) -> Figure? {
    guard !study.masks.isEmpty else { return nil }
    var layers: [String] = []
    for mask in study.masks {
      for layer in mask.layers where !layers.contains(layer.layer) { layers.append(layer.layer) }
    }
    let masks = study.masks.sorted { ($0.method, $0.sparsity) < ($1.method, $1.sparsity) }
    let series = masks.enumerated().map { i, mask in
      let density = Dictionary(
        mask.layers.map { ($0.layer, $0.density) }, uniquingKeysWith: { first, _ in first })
      return (
        name: "\(SparsityFormat.percent(mask.sparsity)) \(mask.method)", color: Palette.color(i),
        values: layers.map { density[$0] }
      )
    }
    let title = "Mask density per layer: \(study.workload)"
    let chart = BarChart(
      title: title, subtitle: "fraction of each layer's prunable parameters kept",
      categories: layers, yLabel: "density (kept / total)", series: series)
    return Figure(fileName: fileName, title: title, svg: chart.svg())
  }
}
