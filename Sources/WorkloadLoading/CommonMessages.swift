import StepwiseDiagnostics

/// Diagnostics shared by every section (types, unknown and missing keys, numbers). Messages that
/// belong to one section live at the bottom of that section's file.
enum CommonMessages {
  static func unknownKey(_ key: String, section: String, allowed: [String], at range: SourceRange)
    -> Diagnostic
  {
    let place = section.isEmpty ? "at the top level" : "in '\(section)'"
    let suggestion = Suggestions.closest(to: key, in: allowed)
    return .error(
      "workload.unknown-key", "unknown key '\(key)' \(place)",
      detail: Suggestions.help(for: key, in: allowed), at: range,
      fixIt: suggestion.map { FixIt(replacing: range, with: $0) })
  }

  static func missingKey(_ key: String, section: String, at range: SourceRange, help: String?)
    -> Diagnostic
  {
    let place = section.isEmpty ? "the workload" : "'\(section)'"
    return .error(
      "workload.missing-key", "\(place) is missing required key '\(key)'", detail: help, at: range)
  }

  static func emptySection(_ section: String, at range: SourceRange, required: [String])
    -> Diagnostic
  {
    let detail =
      required.isEmpty
      ? "remove the key, or give it a mapping"
      : "it needs at least: " + required.joined(separator: ", ")
    return .error("workload.empty-section", "'\(section)' is empty", detail: detail, at: range)
  }

  static func wrongType(
    expected: String, found: String, what: String, at range: SourceRange,
    help: String? = nil
  ) -> Diagnostic {
    .error(
      "workload.wrong-type", "expected \(expected) for '\(what)', found \(found)", detail: help,
      at: range)
  }

  static func quotedNumber(expected: String, what: String, text: String, at range: SourceRange)
    -> Diagnostic
  {
    .error(
      "workload.quoted-number",
      "expected \(expected) for '\(what)', found the quoted string '\(text)'",
      detail: "numbers are written without quotes", at: range,
      fixIt: FixIt(replacing: range, with: text))
  }

  static func notAnInteger(what: String, text: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.not-an-integer", "expected an integer for '\(what)', found the real number \(text)",
      detail: "'\(what)' is a whole number; integers are never rounded from reals", at: range)
  }

  static func integerOverflow(what: String, text: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.number-too-large", "integer \(text) for '\(what)' is too large",
      detail: "the largest integer is \(Int.max)", at: range)
  }

  static func realOverflow(what: String, text: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.number-too-large", "real number \(text) for '\(what)' is out of range",
      detail: "the value must be a finite double-precision number", at: range)
  }

  static func notFinite(what: String, text: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.not-finite", "'\(what)' must be a finite number, found \(text)",
      detail: ".nan and .inf are not allowed anywhere in a workload", at: range)
  }

  static func unknownValue(_ value: String, what: String, allowed: [String], at range: SourceRange)
    -> Diagnostic
  {
    let suggestion = Suggestions.closest(to: value, in: allowed)
    return .error(
      "workload.unknown-value", "unknown value '\(value)' for '\(what)'",
      detail: Suggestions.help(for: value, in: allowed), at: range,
      fixIt: suggestion.map { FixIt(replacing: range, with: $0) })
  }

  static func outOfRange(
    what: String, value: String, rule: String, at range: SourceRange,
    help: String? = nil
  ) -> Diagnostic {
    .error(
      "workload.out-of-range", "'\(what)' must be \(rule), found \(value)", detail: help, at: range)
  }

  static func duplicateValue(
    _ value: String, what: String, at range: SourceRange,
    first: SourceRange
  ) -> Diagnostic {
    .error(
      "workload.duplicate-value", "\(what) \(value) is listed twice",
      detail: "each value makes one cell of the study; remove the repeat", at: range,
      notes: [Note("first listed here", at: first)])
  }

  static func emptyList(what: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.empty-list", "'\(what)' is empty", detail: "list at least one value", at: range)
  }
}
