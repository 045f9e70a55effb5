import ArgumentParser
import Foundation
import StepwiseDiagnostics
import WorkloadLoading

extension Stepwise {
  /// `stepwise validate FILE...`: parse and check workloads, report every problem at once.
  struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check workload files and report every problem at once.",
      discussion: """
        Each problem is reported at file:line:column with the offending text underlined and, \
        where one is obvious, the fix. A file that checks clean gets a one-paragraph summary: \
        dataset, model and parameter count, optimizers, and how many cells and trials the \
        study holds.

        dataset.directory may use ${NAME} or ${NAME:-default}; a relative directory is \
        resolved against the workload file's directory.

        Exit status: 0 when every file is clean, 1 when any file has an error, 64 on bad usage.
        """)

    @Argument(help: "Workload files (YAML) to check.")
    var files: [String]

    @OptionGroup var output: DiagnosticOutputOptions

    func validate() throws {
      if files.isEmpty { throw ValidationError("Give at least one workload file to check.") }
    }

    func run() throws {
      let outcome = Self.check(
        files, format: output.format, decorator: output.decorator(), loader: WorkloadLoader())
      print(outcome.standardOutput, terminator: "")
      FileHandle.standardError.write(Data(outcome.standardError.utf8))
      if outcome.hasErrors { throw ExitCode(1) }
    }

    /// What `validate` prints, kept apart from printing so tests can compare it exactly.
    struct Outcome {
      var standardOutput = ""
      var standardError = ""
      var hasErrors = false
    }

    static func check(
      _ files: [String], format: DiagnosticOutputOptions.Format,
      decorator: any DiagnosticDecorator, loader: WorkloadLoader
    ) -> Outcome {
      var sources: [SourceFile] = []
      var diagnostics: [Diagnostic] = []
      var results: [ValidateJSONView.FileResult] = []
      var summaries: [(String, WorkloadSummary)] = []
      for path in files {
        let (file, workload, found) = loader.load(path: path)
        sources.append(file)
        diagnostics += found
        let summary = workload.map(WorkloadSummary.init)
        results.append(.init(path: path, ok: summary != nil, workload: summary))
        if let summary { summaries.append((path, summary)) }
      }
      let errors = diagnostics.filter { $0.severity == .error }.count
      let warnings = diagnostics.filter { $0.severity == .warning }.count
      var outcome = Outcome(hasErrors: errors > 0)
      switch format {
      case .json:
        outcome.standardOutput = ValidateJSONView().render(files: results, diagnostics: diagnostics)
      case .text:
        let view = ValidateHumanView(
          renderer: DiagnosticRenderer(files: sources, decorator: decorator))
        outcome.standardError =
          view.diagnostics(diagnostics)
          + view.footer(files: files.count, errors: errors, warnings: warnings)
        outcome.standardOutput = summaries.map { view.summary(path: $0.0, $0.1) }.joined(
          separator: "\n")
      }
      return outcome
    }
  }
}
