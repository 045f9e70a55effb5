/// A point in a source file: 1-based line, 1-based column in Unicode scalars, 0-based byte offset.
public struct SourcePosition: Hashable, Comparable, Sendable, Codable {
  public var line: Int
  public var column: Int
  public var offset: Int

  public init(line: Int, column: Int, offset: Int) {
    self.line = line
    self.column = column
    self.offset = offset
  }

  public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
    (a.line, a.column, a.offset) < (b.line, b.column, b.offset)
  }
}

/// A half-open span `[start, end)` in one file.
public struct SourceRange: Hashable, Sendable, Codable {
  public var path: String
  public var start: SourcePosition
  public var end: SourcePosition

  public init(path: String, start: SourcePosition, end: SourcePosition) {
    self.path = path
    self.start = start
    self.end = end
  }
}
