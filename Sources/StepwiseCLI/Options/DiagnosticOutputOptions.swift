import ArgumentParser
import Foundation
import StepwiseDiagnostics

/// How a command reports diagnostics: `text` for people (colour only on a terminal and never
/// with `NO_COLOR`), `json` for tools (documented in docs/diagnostics-json.md).
struct DiagnosticOutputOptions: ParsableArguments {
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  @Option(
    help: """
      Output format: 'text' prints compiler-style diagnostics to standard error and a summary \
      to standard output; 'json' prints one JSON document to standard output.
      """)
  var format: Format = .text

  /// The decorator for text output, decided here (the renderer never looks at the terminal).
  func decorator(environment: [String: String] = ProcessInfo.processInfo.environment)
    -> any DiagnosticDecorator
  {
    if environment["NO_COLOR"] == nil, isatty(STDERR_FILENO) == 1 {
      return ANSIDecorator()
    }
    return PlainDecorator()
  }
}
