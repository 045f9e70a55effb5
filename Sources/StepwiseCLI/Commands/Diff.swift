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

    @Option(
      help: """
        A results store (SQLite): also say how many of NEW's trials it has finished (reused) \
        and how many remain to run.
        """)
    var store: String?

    @Flag(help: "Print every trial's action as JSON on standard output.")
    var json = false

    @OptionGroup var input: PlanInputOptions
    @OptionGroup var output: DiagnosticOutputOptions

    func run() throws {
      let outcome = execute(decorator: output.decorator())
      outcome.write()
      if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    /// Everything `run` does except touching the terminal, for tests.
    func execute(decorator: any DiagnosticDecorator) -> CommandOutcome {
      var outcome = CommandOutcome()
      let frontend = input.frontend
      let before = frontend.load(path: old)
      let after = frontend.load(path: new)
      let diagnostics = before.diagnostics + after.diagnostics
      if !diagnostics.isEmpty {
        let renderer = DiagnosticRenderer(files: before.files + after.files, decorator: decorator)
        outcome.standardError += renderer.render(diagnostics)
      }
      guard let oldPlan = before.plan, let newPlan = after.plan, !before.hasErrors,
        !after.hasErrors
      else {
        outcome.exitCode = 1
        return outcome
      }
      let diff = PlanDiff(old: oldPlan, new: newPlan)
      outcome.standardOutput += json ? DiffJSONView().render(diff) : DiffHumanView().render(diff)
      if let store, !json {
        do {
          let stored = try StoreStatus.stored(newPlan, storePath: store)
          let done = newPlan.trials.filter { stored[$0.key]?.finished == true }.count
          let started = newPlan.trials.filter {
            stored[$0.key].map { !$0.finished && $0.stepsRun > 0 } ?? false
          }.count
          outcome.standardOutput +=
            "store \(store): \(done) of the new plan's trials done (reused), "
            + "\(started) started (continue from their checkpoints), "
            + "\(newPlan.trials.count - done) to run\n"
        } catch {
          outcome.standardError += "error: \(error)\n"
          outcome.exitCode = 1
          return outcome
        }
      }
      if !diff.isEmpty { outcome.exitCode = 2 }
      return outcome
    }
  }
}
