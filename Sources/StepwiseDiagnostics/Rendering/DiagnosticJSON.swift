import Foundation

/// The machine-readable form of a diagnostics run (`--format json`), documented in
/// `docs/diagnostics-json.md`. `formatVersion` changes only when a field changes meaning or goes
/// away; new optional fields may appear without a bump, so readers must ignore unknown keys.
public struct DiagnosticJSONDocument: Codable, Sendable, Equatable {
  public static let currentFormatVersion = 1

  public struct Position: Codable, Sendable, Equatable {
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int
    /// 0-based byte offset in the file.
    public var offset: Int
  }

  public struct Range: Codable, Sendable, Equatable {
    public var file: String
    public var start: Position
    /// Exclusive.
    public var end: Position

    init(_ r: SourceRange) {
      file = r.path
      start = Position(line: r.start.line, column: r.start.column, offset: r.start.offset)
      end = Position(line: r.end.line, column: r.end.column, offset: r.end.offset)
    }
  }

  public struct NoteEntry: Codable, Sendable, Equatable {
    public var message: String
    public var range: Range?
  }

  public struct FixItEntry: Codable, Sendable, Equatable {
    public var range: Range
    public var replacement: String
  }

  public struct Entry: Codable, Sendable, Equatable {
    public var severity: String
    public var id: String
    public var summary: String
    public var detail: String?
    public var range: Range
    public var notes: [NoteEntry]
    public var fixIt: FixItEntry?

    public init(_ d: Diagnostic) {
      severity = d.severity.rawValue
      id = d.id.rawValue
      summary = d.summary
      detail = d.detail
      range = Range(d.range)
      notes = d.notes.map { NoteEntry(message: $0.message, range: $0.range.map(Range.init)) }
      fixIt = d.fixIt.map { FixItEntry(range: Range($0.range), replacement: $0.replacement) }
    }
  }

  public var formatVersion: Int
  public var diagnostics: [Entry]
  public var errorCount: Int
  public var warningCount: Int

  public init(_ diagnostics: [Diagnostic]) {
    formatVersion = Self.currentFormatVersion
    self.diagnostics = diagnostics.map(Entry.init)
    errorCount = diagnostics.filter { $0.severity == .error }.count
    warningCount = diagnostics.filter { $0.severity == .warning }.count
  }

  /// Pretty, key-sorted JSON with a final newline: byte-stable for golden tests and diffs.
  public func encoded() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(self) else { return "{}\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
