import Foundation

/// How numbers are written: short for people (tables, labels), round-trip exact for machines (CSV).
public enum NumberFormat {
  /// A pixel coordinate with one decimal.
  static func px(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    if tenths == (tenths / 10).rounded() * 10 { return String(Int(tenths / 10)) }
    return String(tenths / 10)
  }

  /// Three significant digits: 0.00316, 42.7, 1.23e+04.
  public static func short(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
    return String(format: "%.3g", value)
  }

  /// The shortest text that reads back as the same Double (empty for nil).
  static func exact(_ value: Double?) -> String {
    guard let value else { return "" }
    if value.isNaN { return "nan" }
    return "\(value)"
  }

  /// An Int as text, empty for nil.
  static func exact(_ value: Int?) -> String { value.map { String($0) } ?? "" }

  /// 2 → "²", -3 → "⁻³": exponents for tick labels without SVG tspans.
  static func superscript(_ value: Int) -> String {
    let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    var out = value < 0 ? "⁻" : ""
    for ch in String(abs(value)) {
      if let d = ch.wholeNumberValue { out.append(digits[d]) }
    }
    return out
  }
}
