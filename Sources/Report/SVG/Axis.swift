import Foundation

/// One axis of a chart: its scale, its data range and its ticks.
struct Axis {
  enum Scale {
    /// Powers of two: batch sizes and steps.
    case log2
    /// Powers of ten: learning rates, 1 − momentum, errors.
    case log10
    case linear
  }

  var scale: Scale
  /// With units, e.g. "batch size (examples per step)".
  var label: String
  var lower: Double
  var upper: Double

  /// An axis covering `values`, widened to whole powers (log scales) or nice numbers (linear).
  /// Non-positive values are ignored on log scales.
  init(_ scale: Scale, label: String, covering values: [Double], includeZero: Bool = false) {
    self.scale = scale
    self.label = label
    let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
    switch scale {
    case .log2, .log10:
      let base = scale == .log2 ? 2.0 : 10.0
      let logs = usable.map { Foundation.log($0) / Foundation.log(base) }
      var lo = (logs.min() ?? 0).rounded(.down)
      var hi = (logs.max() ?? 1).rounded(.up)
      if hi <= lo { (lo, hi) = (lo - 1, hi + 1) }
      lower = Foundation.pow(base, lo)
      upper = Foundation.pow(base, hi)
    case .linear:
      var lo = includeZero ? min(0, usable.min() ?? 0) : (usable.min() ?? 0)
      var hi = usable.max() ?? 1
      if hi <= lo { (lo, hi) = (lo - 1, hi + 1) }
      let step = Axis.niceStep((hi - lo) / 5)
      lower = (lo / step).rounded(.down) * step
      upper = (hi / step).rounded(.up) * step
    }
  }

  /// Where `value` falls, from 0 (lower) to 1 (upper).
  func fraction(_ value: Double) -> Double {
    switch scale {
    case .log2, .log10:
      let v = max(value, lower / 1e6)
      return Foundation.log(v / lower) / Foundation.log(upper / lower)
    case .linear:
      return (value - lower) / (upper - lower)
    }
  }

  /// Tick values with labels: every power (thinned to at most about 9), or 1-2-5 steps.
  var ticks: [(value: Double, label: String)] {
    switch scale {
    case .log2, .log10:
      let base = scale == .log2 ? 2.0 : 10.0
      let lo = Int((Foundation.log(lower) / Foundation.log(base)).rounded())
      let hi = Int((Foundation.log(upper) / Foundation.log(base)).rounded())
      let stride = max(1, Int((Double(hi - lo) / 8).rounded(.up)))
      return Swift.stride(from: lo, through: hi, by: stride).map { k in
        (Foundation.pow(base, Double(k)), Axis.powerLabel(base: base, exponent: k))
      }
    case .linear:
      let step = Axis.niceStep((upper - lower) / 5)
      var out: [(Double, String)] = []
      var v = lower
      while v <= upper + step / 2 {
        let rounded = (v / step).rounded() * step
        out.append((rounded, NumberFormat.short(rounded == 0 ? 0 : rounded)))
        v += step
      }
      return out
    }
  }

  /// Plain numbers where they are short (2^0 … 2^16, 0.1 … 100), powers elsewhere.
  static func powerLabel(base: Double, exponent k: Int) -> String {
    if base == 2 {
      return (0...16).contains(k) ? String(1 << k) : "2" + NumberFormat.superscript(k)
    }
    switch k {
    case -1: return "0.1"
    case 0: return "1"
    case 1: return "10"
    case 2: return "100"
    default: return "10" + NumberFormat.superscript(k)
    }
  }

  /// 1, 2 or 5 times a power of ten, at least `raw`.
  static func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let power = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
    for m in [1.0, 2, 5, 10] where m * power >= raw { return m * power }
    return 10 * power
  }
}
