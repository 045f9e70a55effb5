/// How bad a diagnostic is. Only errors make a command fail.
public enum Severity: String, Sendable, Codable, Hashable {
  case error, warning, note
}

/// A stable, dotted identifier such as `workload.unknown-key` or `yaml.alias-bomb`.
/// Tools match on it; the wording of the summary may change, the ID does not.
public struct DiagnosticID: RawRepresentable, Hashable, Sendable, Codable,
  ExpressibleByStringLiteral, CustomStringConvertible
{
  public var rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(_ rawValue: String) { self.rawValue = rawValue }
  public init(stringLiteral value: String) { self.rawValue = value }
  public var description: String { rawValue }
}

/// A secondary location that explains a diagnostic ("optimizer declared here").
public struct Note: Hashable, Sendable, Codable {
  public var message: String
  public var range: SourceRange?

  public init(_ message: String, at range: SourceRange? = nil) {
    self.message = message
    self.range = range
  }
}

/// One obvious edit that fixes the problem: replace the text of `range` with `replacement`.
public struct FixIt: Hashable, Sendable, Codable {
  public var range: SourceRange
  public var replacement: String

  public init(replacing range: SourceRange, with replacement: String) {
    self.range = range
    self.replacement = replacement
  }
}

/// A problem found in the user's input, as a value: what, where, how to fix it, and a stable ID.
///
/// `summary` is one lowercase phrase with no final period ("unknown key 'momentun'");
/// `detail` tells the user how to fix it ("did you mean 'momentum'?").
public struct Diagnostic: Hashable, Sendable, Codable {
  public var severity: Severity
  public var id: DiagnosticID
  public var summary: String
  public var detail: String?
  public var range: SourceRange
  public var notes: [Note]
  public var fixIt: FixIt?

  public init(
    _ severity: Severity = .error, id: DiagnosticID, summary: String, detail: String? = nil,
    at range: SourceRange, notes: [Note] = [], fixIt: FixIt? = nil
  ) {
    self.severity = severity
    self.id = id
    self.summary = summary
    self.detail = detail
    self.range = range
    self.notes = notes
    self.fixIt = fixIt
  }

  public static func error(
    _ id: DiagnosticID, _ summary: String, detail: String? = nil, at range: SourceRange,
    notes: [Note] = [], fixIt: FixIt? = nil
  ) -> Diagnostic {
    Diagnostic(
      .error, id: id, summary: summary, detail: detail, at: range, notes: notes, fixIt: fixIt)
  }

  public static func warning(
    _ id: DiagnosticID, _ summary: String, detail: String? = nil, at range: SourceRange,
    notes: [Note] = [], fixIt: FixIt? = nil
  ) -> Diagnostic {
    Diagnostic(
      .warning, id: id, summary: summary, detail: detail, at: range, notes: notes, fixIt: fixIt)
  }
}
