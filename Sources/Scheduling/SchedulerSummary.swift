/// What one `Scheduler.run` did, for the CLI's closing summary and the store's runs table.
public struct SchedulerSummary: Hashable, Sendable {
  public var total = 0
  /// Finished before this run started (or by another run while it ran).
  public var alreadyFinished = 0
  /// Trials this run finished or interrupted, by state.
  public var byState: [TrialState: Int] = [:]
  /// Steps trained by this run (after the checkpoint each trial resumed from).
  public var stepsRun = 0
  /// Budget steps not trained because exact early stop dominated a trial: an upper bound on the
  /// work saved (a dominated trial might have stopped on its own, by reaching the goal, sooner).
  public var stepsSavedByEarlyStop = 0
  public var examplesTrained = 0
  /// Validation examples this run's evaluations looked at, and those they skipped by exiting
  /// early once the goal was proved missed (`evaluation.exit_early`).
  public var examplesEvaluated = 0
  public var examplesSkippedByEarlyExit = 0
  /// Trials left alone because another live run held them.
  public var heldElsewhere = 0
  /// Trials not started because the run was interrupted.
  public var notStarted = 0
  public var retries = 0
  public var nonDeterminism: [NonDeterminism] = []
  /// A signal or `requestInterrupt()` stopped the run; `stepwise run` exits with 130.
  public var interrupted = false
  public var wallSeconds = 0.0

  public init() {}

  /// Training examples per second over the run's wall time.
  public var examplesPerSecond: Double {
    wallSeconds > 0 ? Double(examplesTrained) / wallSeconds : 0
  }
}
