/// Grouped vertical bars on a linear y axis: one group per category, one bar per series.
struct BarChart {
  var title: String
  var subtitle: String?
  var categories: [String]
  var yLabel: String
  /// Values per series, aligned with `categories` (nil: no bar).
  var series: [(name: String, color: String, values: [Double?])]
  var yUpper = 1.0
  var notes: [String] = []

  func svg() -> String {
    let left = 78.0
    let top = 58.0
    let groupWidth = max(60, Double(series.count) * 16 + 24)
    let plotWidth = max(320, groupWidth * Double(categories.count))
    let plotHeight = 260.0
    let legendWidth = 230.0
    let bottom = 64.0 + Double(notes.count) * 16
    var canvas = SVGCanvas(
      width: left + plotWidth + 20 + legendWidth, height: top + plotHeight + bottom)
    canvas.text(title, x: 12, y: 22, size: 15, weight: "bold")
    if let subtitle { canvas.text(subtitle, x: 12, y: 40, size: 11.5, fill: "#444444") }
    let axis = Axis(.linear, label: yLabel, covering: [0, yUpper], includeZero: true)
    func py(_ v: Double) -> Double { top + (1 - axis.fraction(v)) * plotHeight }
    canvas.rect(left, top, plotWidth, plotHeight, fill: "#ffffff", stroke: "#bbbbbb")
    for tick in axis.ticks {
      canvas.line(left, py(tick.value), left + plotWidth, py(tick.value), stroke: "#e3e3e3")
      canvas.text(tick.label, x: left - 8, y: py(tick.value) + 4, anchor: .end, size: 11)
    }
    canvas.text(yLabel, x: 18, y: top + plotHeight / 2, anchor: .middle, size: 12.5, rotate: true)
    let slot = plotWidth / Double(max(categories.count, 1))
    let barWidth = min(14, (slot - 16) / Double(max(series.count, 1)))
    for (c, category) in categories.enumerated() {
      let start = left + slot * Double(c) + (slot - barWidth * Double(series.count)) / 2
      for (k, s) in series.enumerated() {
        guard c < s.values.count, let v = s.values[c] else { continue }
        let tooltip = "\(category), \(s.name): \(NumberFormat.short(v))"
        // A zero bar is drawn 1.5 px tall, so "kept nothing" is visible and not "no data".
        let height = max(1.5, py(0) - py(v))
        canvas.rect(
          start + barWidth * Double(k), py(0) - height, barWidth - 1, height, fill: s.color,
          tooltip: tooltip)
      }
      canvas.text(
        Markup.truncate(category, to: 14), x: left + slot * (Double(c) + 0.5),
        y: top + plotHeight + 18, anchor: .middle, size: 11)
    }
    canvas.text(
      "layer", x: left + plotWidth / 2, y: top + plotHeight + 40, anchor: .middle, size: 12.5)
    canvas.legend(series, x: left + plotWidth + 20, top: top, name: \.name) { canvas, s, x, row in
      canvas.rect(x + 6, row - 6, 14, 12, fill: s.color)
    }
    canvas.notes(notes, from: top + plotHeight + 62)
    return canvas.document(title: title)
  }
}
