/// Okabe & Ito's colour-blind-safe palette (2008), in the order used for series. Black is kept
/// for reference lines; yellow comes last because it is hard to see on white.
enum Palette {
  static let black = "#000000"
  static let grey = "#999999"
  static let series = [
    "#0072B2",  // blue
    "#D55E00",  // vermillion
    "#009E73",  // bluish green
    "#CC79A7",  // reddish purple
    "#E69F00",  // orange
    "#56B4E9",  // sky blue
    "#F0E442",  // yellow
  ]

  static func color(_ i: Int) -> String { series[i % series.count] }
}

/// Marker shapes, so series differ by more than colour.
enum Marker: CaseIterable {
  case circle, square, triangle, diamond, cross, plus, star, none

  static func shape(_ i: Int) -> Marker {
    let shapes: [Marker] = [.circle, .square, .triangle, .diamond, .plus, .cross]
    return shapes[i % shapes.count]
  }
}

enum LineStyle {
  case solid, dashed, dotted, none

  var dashArray: String? {
    switch self {
    case .dashed: return "6 4"
    case .dotted: return "2 3"
    case .solid, .none: return nil
    }
  }
}
