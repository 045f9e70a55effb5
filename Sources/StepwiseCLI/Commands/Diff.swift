import ArgumentParser
import Foundation
import Planning
import StepwiseDiagnostics

extension Stepwise {
  /// `stepwise diff OLD NEW`: what an edit to a workload adds, drops, changes and reuses.
  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare two workloads or saved plans trial by trial.",
      discussion: """
        Trials are matched by cell (optimizer, sparsity, batch size) and index. Each is shown \
        as + (new), - (dropped; stored results are kept), ~ (changed: a new key, with the \
        fields that changed) or = (unchanged: the same key, so any stored result is reused). \
        Unchanged trials whose stopping rule moved are marked analysis-only (goal loosened or \
        budget lowered: answered from stored curves) or to extend (goal tightened or budget \
        raised). OLD and NEW may each be a workload (YAML) or a plan saved with \
        'stepwise plan --out'.

        Exit status: 0 when the plans are the same, 2 when they differ, 1 on error, 64 on bad \
        usage.
        """)

    @Argument(help: "The workload or saved plan before the edit.")
    var old: String

    @Argument(help: "The workload or saved plan after the edit.")
    var new: String

    @Flag(help: "Print every trial's action as JSON on standard output.")
    var json = false

    @OptionGroup var input: PlanInputOptions
    @OptionGroup var output: DiagnosticOutputOptions

    func run() throws {
      let frontend = input.frontend
      let before = frontend.load(path: old)
      let after = frontend.load(path: new)
      let diagnostics = before.diagnostics + after.diagnostics
      if !diagnostics.isEmpty {
        let renderer = DiagnosticRenderer(
          files: before.files + after.files, decorator: output.decorator())
        FileHandle.standardError.write(Data(renderer.render(diagnostics).utf8))
      }
      guard let oldPlan = before.plan, let newPlan = after.plan, !before.hasErrors,
        !after.hasErrors
      else { throw ExitCode(1) }
      let diff = PlanDiff(old: oldPlan, new: newPlan)
      if json {
        print(DiffJSONView().render(diff), terminator: "")
      } else {
        print(DiffHumanView().render(diff), terminator: "")
      }
      if !diff.isEmpty { throw ExitCode(2) }
    }
  }
}
