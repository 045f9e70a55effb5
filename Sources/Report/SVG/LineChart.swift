/// A point of a series. Hollow points are bounds, not exact values.
struct ChartPoint {
  var x: Double
  var y: Double
  var hollow = false
  /// Shown as a tooltip on hover.
  var tooltip: String?
}

/// One series: a line through points, markers, or both.
struct ChartSeries {
  var name: String
  var color: String
  var points: [ChartPoint]
  var line: LineStyle = .solid
  var marker: Marker = .circle
  var lineWidth = 1.8
  var lineOpacity = 1.0
  var markerSize = 4.5
  /// x positions where the series has no point (cells with no reached trial): drawn as × at the
  /// top of the plot, so that a missing point is never mistaken for a number.
  var missing: [Double] = []
  var inLegend = true
}

/// An x–y chart with gridlines, ticks, a title, axis labels and a legend to the right.
struct LineChart {
  var title: String
  var subtitle: String?
  var x: Axis
  var y: Axis
  var series: [ChartSeries]
  /// Lines of explanation under the plot (what dashed lines and × mean, the rule used...).
  var notes: [String] = []
  var plotWidth = 470.0
  var plotHeight = 300.0

  private let left = 78.0
  private let top = 58.0
  private let legendWidth = 230.0

  func svg() -> String {
    let bottom = 56.0 + Double(notes.count) * 16
    let width = left + plotWidth + 20 + legendWidth
    let height = top + plotHeight + bottom
    var canvas = SVGCanvas(width: width, height: height)
    canvas.text(title, x: 12, y: 22, size: 15, weight: "bold")
    if let subtitle { canvas.text(subtitle, x: 12, y: 40, size: 11.5, fill: "#444444") }

    func px(_ v: Double) -> Double { left + x.fraction(v) * plotWidth }
    func py(_ v: Double) -> Double { top + (1 - y.fraction(v)) * plotHeight }

    canvas.rect(left, top, plotWidth, plotHeight, fill: "#ffffff", stroke: "#bbbbbb")
    for tick in x.ticks {
      let p = px(tick.value)
      canvas.line(p, top, p, top + plotHeight, stroke: "#e3e3e3")
      canvas.line(p, top + plotHeight, p, top + plotHeight + 5, stroke: "#555555")
      canvas.text(tick.label, x: p, y: top + plotHeight + 18, anchor: .middle, size: 11)
    }
    for tick in y.ticks {
      let p = py(tick.value)
      canvas.line(left, p, left + plotWidth, p, stroke: "#e3e3e3")
      canvas.line(left - 5, p, left, p, stroke: "#555555")
      canvas.text(tick.label, x: left - 8, y: p + 4, anchor: .end, size: 11)
    }
    canvas.text(
      x.label, x: left + plotWidth / 2, y: top + plotHeight + 40, anchor: .middle, size: 12.5)
    canvas.text(
      y.label, x: 18, y: top + plotHeight / 2, anchor: .middle, size: 12.5, rotate: true)

    for s in series {
      let sorted = s.points.filter { $0.x.isFinite && $0.y.isFinite }
      canvas.polyline(
        sorted.map { (px($0.x), py($0.y)) }, stroke: s.color, width: s.lineWidth, style: s.line,
        opacity: s.lineOpacity)
    }
    for s in series where s.marker != .none {
      for p in s.points where p.x.isFinite && p.y.isFinite {
        canvas.marker(
          s.marker, x: px(p.x), y: py(p.y), color: s.color, size: s.markerSize, hollow: p.hollow)
      }
    }
    // One row of × per series that has missing points, so that curves missing at the same batch
    // size do not hide each other.
    var row = 0.0
    for s in series where !s.missing.isEmpty {
      for m in s.missing {
        canvas.marker(.cross, x: px(m), y: top + 8 + 11 * row, color: s.color, size: 4.5)
      }
      row += 1
    }
    if series.allSatisfy({ $0.points.isEmpty }) {
      canvas.text(
        "no points to draw", x: left + plotWidth / 2, y: top + plotHeight / 2, anchor: .middle,
        size: 13, fill: "#666666")
    }

    let legend = series.filter(\.inLegend)
    canvas.legend(legend, x: left + plotWidth + 20, top: top, name: \.name) { canvas, s, x, row in
      if s.line != .none {
        canvas.line(x, row, x + 26, row, stroke: s.color, width: 2, style: s.line)
      }
      canvas.marker(s.marker, x: x + 13, y: row, color: s.color, size: 4)
    }
    canvas.notes(notes, from: top + plotHeight + 58)
    return canvas.document(title: title)
  }
}
