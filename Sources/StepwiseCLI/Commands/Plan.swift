import ArgumentParser
import Foundation
import Planning
import ResultsStore
import StepwiseDiagnostics

extension Stepwise {
  /// `stepwise plan FILE`: compile a workload (or read a saved plan) and show what it will run.
  struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compile a workload into a plan of trials and show what it will run and cost.",
      discussion: """
        Prints a summary (cells, trials, pruning masks, the largest step budget, an upper bound \
        on examples trained and on compute, with the throughput it assumes), then one row per \
        cell. FILE may be a workload (YAML) or a plan saved with --out.

        Exit status: 0 on success, 1 on an error in the workload, 64 on bad usage. With \
        --detailed-exitcode: 0 when nothing is left to run, 2 when there are trials to run, \
        1 on error.
        """)

    @Argument(help: "The workload file (YAML) or saved plan (JSON) to compile.")
    var file: String

    @Option(help: "Write the canonical plan JSON, with every trial, to this file.")
    var out: String?

    @Flag(help: "Print the summary and per-cell rows as JSON on standard output.")
    var json = false

    @Option(
      help: """
        A results store (SQLite) to compare with: trials it has finished count as done, and \
        --detailed-exitcode looks only at what is left.
        """)
    var store: String?

    @Flag(help: "Exit with 2 when there are trials to run and 0 when there are none.")
    var detailedExitcode = false

    @Option(
      help: """
        Sustained training throughput in GFLOP/s that the time estimate assumes. \
        (default: 20, the Simple-CNN estimate for a 2-core machine)
        """)
    var throughput: Double = PlanSummary.defaultThroughput / 1e9

    @OptionGroup var input: PlanInputOptions
    @OptionGroup var output: DiagnosticOutputOptions

    func validate() throws {
      guard throughput > 0, throughput.isFinite else {
        throw ValidationError("--throughput must be a positive number of GFLOP/s.")
      }
    }

    func run() throws {
      try execute(decorator: output.decorator()).finish()
    }

    /// Everything `run` does except touching the terminal, for tests.
    func execute(decorator: any DiagnosticDecorator) -> CommandOutcome {
      var outcome = CommandOutcome()
      // The table is what the file holds; the summary needs every trial spelled out.
      let result = input.frontend.load(path: file, form: .table)
      if !result.diagnostics.isEmpty {
        let renderer = DiagnosticRenderer(files: result.files, decorator: decorator)
        outcome.standardError += renderer.render(result.diagnostics)
      }
      guard let table = result.table, !result.hasErrors else {
        outcome.exitCode = 1
        return outcome
      }
      let plan = table.executionPlan()
      if let out {
        do {
          try Data(PlanDocument.encode(table)).write(to: URL(fileURLWithPath: out))
        } catch {
          outcome.standardError += "error: cannot write the plan to \(out): \(error)\n"
          outcome.exitCode = 1
          return outcome
        }
      }
      var stored: [TrialKey: StoredTrial] = [:]
      if let store {
        do {
          stored = try StoreStatus.stored(plan, storePath: store)
        } catch {
          outcome.standardError += "error: \(error)\n"
          outcome.exitCode = 1
          return outcome
        }
      }
      let summary = PlanSummary(plan, throughput: throughput * 1e9, stored: stored)
      if json {
        outcome.standardOutput += PlanJSONView().render(plan, summary)
      } else {
        let view = PlanHumanView()
        outcome.standardOutput += view.render(plan, summary) + "\n" + view.footer(summary)
      }
      if detailedExitcode, summary.pending > 0 { outcome.exitCode = 2 }
      return outcome
    }
  }
}
