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
        OLD and NEW may each be a workload (YAML) or a plan saved with 'stepwise plan --out'.

        Trials are matched by place: the cell (the optimizer's position in the workload's \
        list, the sparsity, the batch size) and the trial's number in the cell (trial i has the \
        i-th search point and the i-th initial weights). Matched trials are compared by key, \
        which covers everything that shapes training. Each trial is shown as:

        = unchanged: same key, so a stored result is reused. Marked analysis-only when the \
        goal was loosened or the budget lowered (answered from the stored curves), or to extend \
        when the goal was tightened, the budget raised or the give-up rules changed (stored \
        trials continue from their checkpoints).

        ~ changed: a different run, listed with the fields that differ. A batch size or \
        sparsity replaced in place (batch_sizes [16, 64] -> [16, 128]) pairs the old value's \
        trials with the new value's, shown as changed.

        + only in NEW: to train. - only in OLD: its stored results are kept, never deleted.

        Because matching is by place, a trial that only moved (an optimizer inserted before \
        its own) shows as + or ~ although its stored result is still reused by key; --store \
        counts what is really done.

        Exit status: 0 when nothing differs (not even a stopping rule), 2 when something \
        does, 1 on error, 64 on bad usage.
        """)

    @Argument(help: "The workload or saved plan before the edit.")
    var old: String

    @Argument(help: "The workload or saved plan after the edit.")
    var new: String

    @Option(
      help: """
        A results store (SQLite): also say how many of NEW's trials it has finished (reused) \
        and how many remain to run (text output only).
        """)
    var store: String?

    @Flag(help: "Print every trial's action as JSON on standard output.")
    var json = false

    @OptionGroup var input: PlanInputOptions
    @OptionGroup var output: DiagnosticOutputOptions

    func run() throws {
      try execute(decorator: output.decorator()).finish()
    }

    /// Everything `run` does except touching the terminal, for tests.
    func execute(decorator: any DiagnosticDecorator) -> CommandOutcome {
      var outcome = CommandOutcome()
      let frontend = input.frontend
      // Tables, not `TrialSpec`s: two 100,000-trial plans in ~10 MB instead of ~100 MB.
      let before = frontend.load(path: old, form: .table)
      let after = frontend.load(path: new, form: .table)
      let diagnostics = before.diagnostics + after.diagnostics
      if !diagnostics.isEmpty {
        let renderer = DiagnosticRenderer(files: before.files + after.files, decorator: decorator)
        outcome.standardError += renderer.render(diagnostics)
      }
      guard let oldPlan = before.table, let newPlan = after.table, !before.hasErrors,
        !after.hasErrors
      else {
        outcome.exitCode = 1
        return outcome
      }
      let diff = PlanDiff(old: oldPlan, new: newPlan)
      outcome.standardOutput += json ? DiffJSONView().render(diff) : DiffHumanView().render(diff)
      if let store, !json {
        do {
          let keys = newPlan.keys
          let stored = try StoreStatus.stored(keys: keys, storePath: store)
          let done = keys.filter { stored[$0]?.finished == true }.count
          let started = keys.filter {
            stored[$0].map { !$0.finished && $0.stepsRun > 0 } ?? false
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
