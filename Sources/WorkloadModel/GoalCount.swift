/// Wrong answers counted by one evaluation: how many of the validation split's examples were
/// looked at, and how many of those were misclassified.
///
/// An evaluation that looked at every example (`seen == total`) measures the error exactly:
/// `wrong / total`. One cut short by early exit (`seen < total`) proves only a lower bound:
/// the examples not looked at may all be right, so the error is at least `wrong / total`.
public struct EvaluationCounts: Hashable, Sendable, Codable {
  /// Misclassified examples among those seen.
  public var wrong: Int
  /// Examples looked at (the whole split unless the evaluation exited early).
  public var seen: Int
  /// The validation split's size N.
  public var total: Int

  public init(wrong: Int, seen: Int, total: Int) {
    self.wrong = wrong
    self.seen = seen
    self.total = total
  }

  /// True when every example was looked at: the count is the error, not a bound on it.
  public var isComplete: Bool { seen >= total }

  /// `wrong / total`: the error when complete, a lower bound on it otherwise.
  public var error: Double { total > 0 ? Double(wrong) / Double(total) : .nan }
}

/// A non-negative decimal held exactly as `significand / 10^scale`.
///
/// Goal thresholds are decimals written in YAML (`at_most: 0.02`); a user reads "error <= 2%"
/// as the decimal, not as the binary double nearest to it (0.0299999999999999988898 for `0.03`,
/// which would move `floor(0.03 * 100)` from 3 to 2). The loader keeps the threshold as a
/// `Double`; this recovers the decimal as the shortest one that reads back to that double
/// (Swift's `description`), which is the decimal as written for any threshold of at most 15
/// significant digits (two different such decimals never round to the same double).
public struct ExactDecimal: Hashable, Sendable {
  public var significand: UInt64
  public var scale: Int

  public init(significand: UInt64, scale: Int) {
    self.significand = significand
    self.scale = scale
  }

  /// The shortest decimal that reads back as `value`; nil for negative, NaN or infinite values,
  /// or a value too large for 64 bits.
  public init?(shortestOf value: Double) {
    guard value.isFinite, value >= 0 else { return nil }
    let text = value.description
    let parts = text.split(separator: "e", maxSplits: 1)
    var exponent = 0
    if parts.count == 2 {
      guard let e = Int(parts[1].hasPrefix("+") ? parts[1].dropFirst() : parts[1]) else {
        return nil
      }
      exponent = e
    }
    var digits: UInt64 = 0
    var fraction = 0
    var afterPoint = false
    for c in parts[0].utf8 {
      if c == UInt8(ascii: ".") {
        afterPoint = true
        continue
      }
      guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
      let (times, o1) = digits.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
      guard !o1, !o2 else { return nil }
      digits = sum
      if afterPoint { fraction += 1 }
    }
    var scale = fraction - exponent
    while scale < 0 {
      let (times, overflow) = digits.multipliedReportingOverflow(by: 10)
      guard !overflow else { return nil }
      digits = times
      scale += 1
    }
    self.init(significand: digits, scale: scale)
  }

  /// The largest integer k with k <= self * n (or k < self * n when `strict`), computed without
  /// rounding on the 128-bit product; -1 when no non-negative integer qualifies.
  public func largestCount(timesCount n: Int, strict: Bool) -> Int {
    guard n >= 0 else { return -1 }
    var (high, low) = significand.multipliedFullWidth(by: UInt64(n))
    if strict {
      // k < p*n/10^s  <=>  k*10^s <= p*n - 1 (integers)  <=>  k <= floor((p*n - 1) / 10^s).
      guard high > 0 || low > 0 else { return -1 }
      if low == 0 { high -= 1 }
      low &-= 1
    }
    // floor(floor(x / 10) / 10^(s-1)) = floor(x / 10^s): divide by ten once per decimal place.
    for _ in 0..<max(0, scale) {
      let (q, r) = (high / 10, high % 10)
      let (lowQuotient, _) = UInt64(10).dividingFullWidth((r, low))
      (high, low) = (q, lowQuotient)
      if high == 0 && low == 0 { break }
    }
    return high > 0 || low > UInt64(Int.max) ? Int.max : Int(low)
  }
}

extension Goal {
  /// The most wrong answers out of `total` that meet a validation-error goal: floor(g * N) for
  /// `at_most` (error <= g), the largest k with k < g * N for `below`; computed exactly on the
  /// threshold's decimal (`ExactDecimal`). -1 when no count meets it.
  public func allowedWrong(outOf total: Int) -> Int {
    guard let decimal = ExactDecimal(shortestOf: threshold) else { return -1 }
    return decimal.largestCount(timesCount: total, strict: comparison == .below)
  }

  /// Whether an evaluation meets the goal. For validation error with counts: the exact test on
  /// counts, and never for an evaluation cut short (it proves only that the goal was missed).
  /// Otherwise (a loss goal, or a point stored without counts) the comparison on `value`.
  public func isMet(_ value: Double, counts: EvaluationCounts?) -> Bool {
    if let counts {
      guard counts.isComplete else { return false }
      if metric == .validationError {
        return counts.wrong <= allowedWrong(outOf: counts.total)
      }
    }
    return isMet(value)
  }
}

extension GiveUpRule {
  /// Whether the rule fires on counts: the error is above `above`, i.e. more wrong answers than
  /// floor(above * N) (exact, as `Goal.allowedWrong`). True for a point cut short only when the
  /// wrong answers seen already prove it.
  public func fires(wrong: Int, outOf total: Int) -> Bool {
    guard let decimal = ExactDecimal(shortestOf: above) else { return false }
    return wrong > decimal.largestCount(timesCount: total, strict: false)
  }
}
