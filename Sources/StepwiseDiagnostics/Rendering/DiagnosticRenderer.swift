/// Renders diagnostics the way compilers do:
///
/// ```
/// workloads/x.yaml:14:15: error: unknown optimizer kind 'nesterov_momentum'
///    13 |     kind: sgd
///    14 |     momentum: nesterov_momentum
///       |               ^~~~~~~~~~~~~~~~~
///       = help: did you mean 'nesterov'?
/// workloads/x.yaml:12:3: note: optimizer declared here
/// ```
///
/// Columns in headers are 1-based Unicode scalars (what libyaml and editors count); the caret is
/// placed in terminal cells, so tabs and wide characters before it do not shift it.
public struct DiagnosticRenderer: Sendable {
  public var decorator: any DiagnosticDecorator
  /// Source files by path, for snippets. A diagnostic in an unknown file renders without one.
  public var files: [String: SourceFile]
  /// Show the line before the diagnostic's line when it is not blank.
  public var showsContextLine: Bool

  public init(
    files: [SourceFile] = [], decorator: any DiagnosticDecorator = PlainDecorator(),
    showsContextLine: Bool = true
  ) {
    var byPath: [String: SourceFile] = [:]
    for file in files { byPath[file.path] = file }
    self.files = byPath
    self.decorator = decorator
    self.showsContextLine = showsContextLine
  }

  /// Every diagnostic, each followed by its notes, ending with a newline.
  public func render(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.map(render).joined()
  }

  /// One diagnostic with its snippet, help, fix-it and notes; ends with a newline.
  public func render(_ diagnostic: Diagnostic) -> String {
    var out = header(diagnostic.severity, diagnostic.summary, at: diagnostic.range)
    let file = files[diagnostic.range.path]
    let lineNumber = diagnostic.range.start.line
    let width = String(max(lineNumber, 1)).count + 3
    if let file, lineNumber >= 1, lineNumber <= file.lineStarts.count {
      if showsContextLine, lineNumber > 1 {
        let previous = displayText(file, line: lineNumber - 1)
        if !previous.text.allSatisfy(\.isWhitespace) {
          out += sourceLine(lineNumber - 1, previous.text, width: width)
        }
      }
      let current = displayText(file, line: lineNumber)
      out += sourceLine(lineNumber, current.text, width: width)
      out += markerLine(diagnostic, starts: current.starts, width: width, file: file)
    }
    let pad = String(repeating: " ", count: width)
    if let detail = diagnostic.detail {
      out += pad + " " + decorator.label("= help:") + " " + detail + "\n"
    }
    if let fix = diagnostic.fixIt {
      let old = file.map { text(of: fix.range, in: $0) } ?? ""
      let action: String
      if fix.range.start.offset == fix.range.end.offset {
        action = "insert '\(fix.replacement)'"
      } else if fix.replacement.isEmpty {
        action = "remove '\(old)'"
      } else {
        action = "replace '\(old)' with '\(fix.replacement)'"
      }
      out += pad + " " + decorator.label("= fix:") + " " + action + "\n"
    }
    for note in diagnostic.notes {
      if let range = note.range {
        out += header(.note, note.message, at: range)
      } else {
        out += pad + " " + decorator.label("= note:") + " " + note.message + "\n"
      }
    }
    return out
  }

  private func header(_ severity: Severity, _ summary: String, at range: SourceRange) -> String {
    let location = "\(range.path):\(range.start.line):\(range.start.column):"
    return decorator.emphasis(location) + " "
      + decorator.severity(severity, "\(severity.rawValue):") + " "
      + decorator.emphasis(summary) + "\n"
  }

  private func sourceLine(_ number: Int, _ text: String, width: Int) -> String {
    let label = String(number)
    let padded = String(repeating: " ", count: max(0, width - label.count)) + label
    return decorator.gutter(padded + " |") + (text.isEmpty ? "" : " " + text) + "\n"
  }

  private func markerLine(
    _ diagnostic: Diagnostic, starts: [Int], width: Int, file: SourceFile
  ) -> String {
    let range = diagnostic.range
    let lastIndex = starts.count - 1
    let startIndex = min(max(range.start.column - 1, 0), lastIndex)
    let endIndex: Int
    if range.end.line == range.start.line {
      endIndex = min(max(range.end.column - 1, startIndex), lastIndex)
    } else {
      endIndex = lastIndex
    }
    let startCell = starts[startIndex]
    let cells = max(1, starts[endIndex] - startCell)
    let marker = "^" + String(repeating: "~", count: cells - 1)
    return decorator.gutter(String(repeating: " ", count: width) + " |") + " "
      + String(repeating: " ", count: startCell)
      + decorator.marker(marker, severity: diagnostic.severity) + "\n"
  }

  private func displayText(_ file: SourceFile, line: Int) -> (text: String, starts: [Int]) {
    var raw = file.lineText(line)
    // A byte-order mark is not part of the first line as editors show it or as libyaml counts it.
    if line == 1, raw.unicodeScalars.first == "\u{FEFF}" {
      raw = String(raw.unicodeScalars.dropFirst())
    }
    return DisplayWidth.layout(raw)
  }

  private func text(of range: SourceRange, in file: SourceFile) -> String {
    let start = max(0, min(range.start.offset, file.bytes.count))
    let end = max(start, min(range.end.offset, file.bytes.count))
    return String(decoding: file.bytes[start..<end], as: UTF8.self)
  }
}
