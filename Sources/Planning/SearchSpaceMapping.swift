import Foundation
import WorkloadModel

/// Maps a coordinate u in [0, 1) of a quasi-random point onto one metaparameter's values.
///
/// Values on the log and reverse-log scales go through `exp` and `log`, which libms may round
/// differently in the last bit; a one-ulp difference would change a trial's key from one machine
/// to the next. So those values are rounded to `significantDigits` significant decimal digits
/// (with C's correctly rounded `%.*e` formatting), which every machine agrees on, and the rounded
/// value is what the trainer uses. Linear values are exact IEEE arithmetic and are not rounded.
public enum SearchSpaceMapping {
  /// Twelve digits: far finer than any search resolves, coarse enough to absorb libm differences.
  public static let significantDigits = 12

  /// The value of dimension `dimension` at coordinate `u`.
  public static func value(_ dimension: SearchDimension, at u: Double) -> Double {
    switch dimension {
    case .continuous(let min, let max, let scale):
      return scaled(u, min: min, max: max, scale: scale)
    case .integer(let min, let max, let scale):
      // Lee et al.: int(30000 + 30000 u), truncation toward zero.
      let real = scaled(u, min: Double(min), max: Double(max), scale: scale)
      return real.rounded(.towardZero)
    case .discrete(let values):
      guard !values.isEmpty else { return .nan }
      let i = Int((u * Double(values.count)).rounded(.down))
      return values[Swift.max(0, Swift.min(values.count - 1, i))]
    }
  }

  /// min + u (max - min), or its log / reverse-log analogue (see `SearchScale`).
  public static func scaled(_ u: Double, min: Double, max: Double, scale: SearchScale) -> Double {
    switch scale {
    case .linear:
      return min + u * (max - min)
    case .log:
      return portable(exp(log(min) + u * (log(max) - log(min))))
    case .reverseLog:
      let complement = exp(log(1 - max) + u * (log(1 - min) - log(1 - max)))
      return portable(1 - complement)
    }
  }

  /// `value` rounded to `significantDigits` significant decimal digits.
  static func portable(_ value: Double) -> Double {
    guard value.isFinite, value != 0 else { return value }
    let text = String(format: "%.\(significantDigits - 1)e", value)
    return Double(text) ?? value
  }
}
