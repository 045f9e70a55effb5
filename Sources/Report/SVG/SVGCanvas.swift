import Foundation

/// Appends SVG elements to a string. Coordinates are pixels; every text is escaped here, so
/// callers pass raw user strings.
struct SVGCanvas {
  private(set) var body = ""
  let width: Double
  let height: Double

  init(width: Double, height: Double) {
    self.width = width
    self.height = height
    body.reserveCapacity(16_384)
  }

  /// The finished document. No XML declaration, so the same text can be inlined into HTML.
  func document(title: String) -> String {
    let w = NumberFormat.px(width)
    let h = NumberFormat.px(height)
    return """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" \
      role="img" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
      <title>\(Markup.escape(title))</title>
      <rect x="0" y="0" width="\(w)" height="\(h)" fill="#ffffff"/>
      \(body)</svg>

      """
  }

  mutating func line(
    _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
    style: LineStyle = .solid
  ) {
    body += "<line x1=\"\(NumberFormat.px(x1))\" y1=\"\(NumberFormat.px(y1))\" "
    body += "x2=\"\(NumberFormat.px(x2))\" y2=\"\(NumberFormat.px(y2))\" stroke=\"\(stroke)\" "
    body += "stroke-width=\"\(width)\"\(dash(style))/>\n"
  }

  mutating func polyline(
    _ points: [(Double, Double)], stroke: String, width: Double = 1.5, style: LineStyle = .solid,
    opacity: Double = 1
  ) {
    guard points.count > 1, style != .none else { return }
    body += "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\""
    if opacity < 1 { body += " stroke-opacity=\"\(opacity)\"" }
    body += "\(dash(style)) points=\""
    for (i, p) in points.enumerated() {
      if i > 0 { body += " " }
      body += NumberFormat.px(p.0) + "," + NumberFormat.px(p.1)
    }
    body += "\"/>\n"
  }

  mutating func rect(
    _ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil,
    tooltip: String? = nil
  ) {
    body += "<rect x=\"\(NumberFormat.px(x))\" y=\"\(NumberFormat.px(y))\" "
    body += "width=\"\(NumberFormat.px(w))\" height=\"\(NumberFormat.px(h))\" fill=\"\(fill)\""
    if let stroke { body += " stroke=\"\(stroke)\"" }
    if let tooltip {
      body += "><title>\(Markup.escape(tooltip))</title></rect>\n"
    } else {
      body += "/>\n"
    }
  }

  enum Anchor: String { case start, middle, end }

  mutating func text(
    _ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
    weight: String? = nil, fill: String = "#222222", rotate: Bool = false
  ) {
    body += "<text x=\"\(NumberFormat.px(x))\" y=\"\(NumberFormat.px(y))\" "
    body += "text-anchor=\"\(anchor.rawValue)\" font-size=\"\(NumberFormat.px(size))\" "
    body += "fill=\"\(fill)\""
    if let weight { body += " font-weight=\"\(weight)\"" }
    if rotate {
      body += " transform=\"rotate(-90 \(NumberFormat.px(x)) \(NumberFormat.px(y)))\""
    }
    body += ">\(Markup.escape(text))</text>\n"
  }

  /// A legend right of a chart's plot, one 19 px row per entry from `top + 6`: `key` draws the
  /// entry's swatch at `(x, row)`, and the name follows it.
  mutating func legend<Entry>(
    _ entries: [Entry], x: Double, top: Double, name: (Entry) -> String,
    key: (inout SVGCanvas, Entry, _ x: Double, _ row: Double) -> Void
  ) {
    var row = top + 6
    for entry in entries {
      key(&self, entry, x, row)
      text(Markup.truncate(name(entry), to: 30), x: x + 34, y: row + 4, size: 11.5)
      row += 19
    }
  }

  /// A chart's notes below its plot, one 16 px line each from `y`.
  mutating func notes(_ notes: [String], from y: Double) {
    var y = y
    for note in notes {
      text(note, x: 12, y: y, size: 11, fill: "#444444")
      y += 16
    }
  }

  /// A marker centred at (x, y); hollow markers mean "a bound, not an exact value".
  mutating func marker(
    _ shape: Marker, x: Double, y: Double, color: String, size: Double = 4.5, hollow: Bool = false
  ) {
    let fill = hollow ? "#ffffff" : color
    let cx = NumberFormat.px(x)
    let cy = NumberFormat.px(y)
    let s = size
    switch shape {
    case .none:
      return
    case .circle:
      body += "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"\(NumberFormat.px(s))\" "
      body += "fill=\"\(fill)\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
    case .square:
      rectMarker(x: x, y: y, half: s * 0.85, fill: fill, color: color)
    case .triangle:
      path(
        "M\(NumberFormat.px(x)) \(NumberFormat.px(y - s * 1.1))"
          + " L\(NumberFormat.px(x + s)) \(NumberFormat.px(y + s * 0.8))"
          + " L\(NumberFormat.px(x - s)) \(NumberFormat.px(y + s * 0.8))Z", fill: fill, color: color
      )
    case .diamond:
      path(
        "M\(cx) \(NumberFormat.px(y - s * 1.2)) L\(NumberFormat.px(x + s)) \(cy)"
          + " L\(cx) \(NumberFormat.px(y + s * 1.2)) L\(NumberFormat.px(x - s)) \(cy)Z",
        fill: fill, color: color)
    case .cross:
      let d = s * 0.9
      path(
        "M\(NumberFormat.px(x - d)) \(NumberFormat.px(y - d)) L\(NumberFormat.px(x + d)) "
          + "\(NumberFormat.px(y + d)) M\(NumberFormat.px(x - d)) \(NumberFormat.px(y + d)) "
          + "L\(NumberFormat.px(x + d)) \(NumberFormat.px(y - d))", fill: "none", color: color,
        width: 2)
    case .plus:
      path(
        "M\(NumberFormat.px(x - s)) \(cy) L\(NumberFormat.px(x + s)) \(cy) "
          + "M\(cx) \(NumberFormat.px(y - s)) L\(cx) \(NumberFormat.px(y + s))", fill: "none",
        color: color, width: 2)
    case .star:
      var d = ""
      for k in 0..<10 {
        let radius = k % 2 == 0 ? s * 1.6 : s * 0.7
        let angle = Double(k) * Double.pi / 5 - Double.pi / 2
        d +=
          (k == 0 ? "M" : " L") + NumberFormat.px(x + radius * cos(angle)) + " "
          + NumberFormat.px(y + radius * sin(angle))
      }
      path(d + "Z", fill: fill, color: color)
    }
  }

  private mutating func rectMarker(x: Double, y: Double, half: Double, fill: String, color: String)
  {
    body += "<rect x=\"\(NumberFormat.px(x - half))\" y=\"\(NumberFormat.px(y - half))\" "
    body += "width=\"\(NumberFormat.px(2 * half))\" height=\"\(NumberFormat.px(2 * half))\" "
    body += "fill=\"\(fill)\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
  }

  private mutating func path(_ d: String, fill: String, color: String, width: Double = 1.5) {
    body += "<path d=\"\(d)\" fill=\"\(fill)\" stroke=\"\(color)\" stroke-width=\"\(width)\"/>\n"
  }

  private func dash(_ style: LineStyle) -> String {
    style.dashArray.map { " stroke-dasharray=\"\($0)\"" } ?? ""
  }
}
