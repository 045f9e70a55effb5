/// Collects every diagnostic of a pass; checks append and carry on, they never throw.
public struct DiagnosticBag: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []

  public init() {}

  public mutating func append(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
  public mutating func append(contentsOf other: [Diagnostic]) {
    diagnostics.append(contentsOf: other)
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  public var isEmpty: Bool { diagnostics.isEmpty }

  /// Ordered by file, line, column, then ID, so output is stable whatever order checks ran in.
  public var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let x = a.element.range
      let y = b.element.range
      if x.path != y.path { return x.path < y.path }
      if x.start != y.start { return x.start < y.start }
      if a.element.id.rawValue != b.element.id.rawValue {
        return a.element.id.rawValue < b.element.id.rawValue
      }
      return a.offset < b.offset
    }.map(\.element)
  }
}
