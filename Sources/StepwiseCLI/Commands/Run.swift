import ArgumentParser
import Foundation
import Planning
import ResultsStore
import StepwiseDiagnostics

extension Stepwise {
  /// `stepwise run [FILE or PLAN]`: train every trial of a study that is not done yet.
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train every unfinished trial of a workload or saved plan, then print the table.",
      discussion: """
        Compiles the workload (or reads a plan saved with `stepwise plan --out`), computes the \
        pruning masks it needs once per pruning node, and trains each trial not finished in \
        the store, stopping a cell's other trials exactly at its best steps-to-result. Without \
        FILE it runs the built-in default study (docs/running.md). Running the same command \
        again continues where a crash, kill or Ctrl-C left off.

        Under `mpirun -np N`, rank 0 opens the store and hands trials to the other ranks, \
        which train in groups of --workers ranks (docs/cluster.md).

        Exit status: 0 when every trial is finished, 1 on an error (including failed trials), \
        130 when interrupted (Ctrl-C or SIGTERM: running trials are checkpointed first).
        """)

    @Argument(help: "The workload (YAML) or saved plan (JSON). Omit it for the built-in study.")
    var file: String?

    @Option(
      help: """
        The results store (SQLite). Defaults to stepwise.sqlite beside FILE, or in the current \
        directory for the built-in study.
        """)
    var store: String?

    @Option(
      help: """
        Trials trained at once. Defaults to the workload's execution.jobs, else one per core.
        """)
    var jobs: Int?

    @Option(
      help: """
        Data-parallel workers per trial (threads that split each global batch; under mpirun, \
        ranks per group). Defaults to the workload's execution.workers, else 1.
        """)
    var workers: Int?

    @Flag(help: "Print only the closing summary and table, no progress.")
    var quiet = false

    @OptionGroup var input: PlanInputOptions

    func run() throws {
      let progress = RunProgress.forStandardError(quiet: quiet)
      let code = execute(progress: progress) { FileHandle.standardOutput.write(Data($0.utf8)) }
      if code != 0 { throw ExitCode(code) }
    }

    /// Everything `run` does, with the output channel injected for tests; returns the exit code.
    /// Under `mpirun` (or `srun`), rank 0 runs the study and the other ranks train for it
    /// (`MPILaunch`, docs/cluster.md).
    func execute(progress: RunProgress, print: (String) -> Void) -> Int32 {
      if MPILaunch.isActive { return MPILaunch.execute(self, progress: progress, print: print) }
      return execute(progress: progress, print: print, cluster: nil)
    }

    /// One process's run, or rank 0's when `cluster` is set: then the trials go to the other
    /// ranks, and `cluster.coordinator` is set once they have been told to start.
    func execute(progress: RunProgress, print: (String) -> Void, cluster: MPILaunch.Rank0?)
      -> Int32
    {
      let loaded: PlanFrontend.Result
      let storePath: String
      if let file {
        loaded = input.frontend.load(path: file)
        let directory = (file as NSString).deletingLastPathComponent
        storePath = store ?? (directory.isEmpty ? "stepwise.sqlite" : directory + "/stepwise.sqlite")
      } else {
        loaded = input.frontend.load(
          SourceFile(path: DefaultWorkload.displayPath, bytes: Array(DefaultWorkload.text.utf8)))
        storePath = store ?? "stepwise.sqlite"
      }
      if !loaded.diagnostics.isEmpty {
        let decorator = DiagnosticOutputOptions().decorator()
        let text = DiagnosticRenderer(files: loaded.files, decorator: decorator)
          .render(loaded.diagnostics)
        FileHandle.standardError.write(Data(text.utf8))
      }
      guard let plan = loaded.plan, !loaded.hasErrors else { return 1 }
      do {
        let execution = plan.workload.execution
        let parallelism: Parallelism
        if let cluster {
          parallelism = try cluster.start(
            jobs: jobs, workers: workers ?? execution.workers, progress: progress)
        } else {
          parallelism = try Parallelism.choose(
            jobs: jobs ?? execution.jobs, workers: workers ?? execution.workers,
            cores: MPILaunch.coresPerRank(), trials: plan.trials.count)
        }
        let opened = try ResultsStore(path: storePath)
        progress.note(
          "\(plan.workload.name): \(plan.trials.count) trials, store \(storePath), \(parallelism)")
        let outcome = try StudyRun(
          plan: plan, isSavedPlan: loaded.wasSavedPlan, store: opened, parallelism: parallelism,
          checkpointEverySteps: execution.checkpointEverySteps, progress: progress,
          cluster: cluster?.coordinator
        ).execute()
        progress.finish()
        print(RunSummaryView().render(outcome, parallelism: parallelism))
        if outcome.summary.interrupted || outcome.interruptedBeforeTraining { return 130 }
        if (outcome.summary.byState[.failed] ?? 0) > 0 {
          FileHandle.standardError.write(
            Data("error: some trials failed; see `stepwise status` for their messages\n".utf8))
          return 1
        }
        return 0
      } catch {
        progress.finish()
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return 1
      }
    }
  }
}

/// The built-in study `stepwise run` runs without a file: workloads/default.yaml, embedded.
enum DefaultWorkload {
  static var text: String { EmbeddedDefaultWorkload.text }
  /// How diagnostics name it (relative dataset paths would start at the current directory).
  static let displayPath = "<built-in>/default.yaml"
}
