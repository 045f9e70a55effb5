/// Styles the parts of a rendered diagnostic. The renderer decides layout; a decorator only wraps
/// text, so golden tests use `PlainDecorator` and terminals get `ANSIDecorator` with no other
/// change.
public protocol DiagnosticDecorator: Sendable {
  /// The `error:` / `warning:` / `note:` label.
  func severity(_ severity: Severity, _ text: String) -> String
  /// The summary after the label, and the location before it.
  func emphasis(_ text: String) -> String
  /// Line numbers and the `|` gutter.
  func gutter(_ text: String) -> String
  /// The `^~~~` marker under the range.
  func marker(_ text: String, severity: Severity) -> String
  /// The `= help:` and `= fix:` labels.
  func label(_ text: String) -> String
}

/// No styling at all: the form tests compare against and the form for pipes and `NO_COLOR`.
public struct PlainDecorator: DiagnosticDecorator {
  public init() {}
  public func severity(_ severity: Severity, _ text: String) -> String { text }
  public func emphasis(_ text: String) -> String { text }
  public func gutter(_ text: String) -> String { text }
  public func marker(_ text: String, severity: Severity) -> String { text }
  public func label(_ text: String) -> String { text }
}

/// SGR escape sequences in the colours compilers use (red errors, yellow warnings, cyan notes).
public struct ANSIDecorator: DiagnosticDecorator {
  public init() {}

  private func wrap(_ text: String, _ code: String) -> String {
    text.isEmpty ? text : "\u{1B}[\(code)m\(text)\u{1B}[0m"
  }

  private func code(for severity: Severity) -> String {
    switch severity {
    case .error: return "1;31"
    case .warning: return "1;33"
    case .note: return "1;36"
    }
  }

  public func severity(_ severity: Severity, _ text: String) -> String {
    wrap(text, code(for: severity))
  }
  public func emphasis(_ text: String) -> String { wrap(text, "1") }
  public func gutter(_ text: String) -> String { wrap(text, "34") }
  public func marker(_ text: String, severity: Severity) -> String {
    wrap(text, code(for: severity))
  }
  public func label(_ text: String) -> String { wrap(text, "1;32") }
}
