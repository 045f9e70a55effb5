import Planning

/// What the scheduler reports as it goes; the CLI renders these (a live line per trial on a TTY,
/// log lines otherwise).
public enum SchedulerEvent: Sendable {
  /// The plan is loaded: `toRun` trials are not finished in the store.
  case began(total: Int, alreadyFinished: Int, toRun: Int)
  /// A trial was leased and started (from a checkpoint at `resumingFromStep`, if any).
  case trialStarted(TrialSpec, resumingFromStep: Int?)
  case trialEvaluated(TrialSpec, Evaluation)
  case trialFinished(TrialSpec, TrialResult)
  /// Another live run holds this trial's lease; this run leaves it alone.
  case trialHeldElsewhere(TrialSpec, by: LeaseOwner)
  /// An interrupted trial goes back in the queue (attempt `attempt` of the automatic retries).
  case trialRetried(TrialSpec, attempt: Int)
  case nonDeterminism(NonDeterminism)
  /// A signal or `requestInterrupt()`: running trials are checkpointing and stopping.
  case interruptRequested
  /// Overall counts, sent after every finished trial.
  case progress(ProgressCounts)
}

/// Overall progress of a run.
public struct ProgressCounts: Hashable, Sendable {
  public var total: Int
  /// Finished in the store, by this run or earlier ones.
  public var finished: Int
  public var running: Int
  public var pending: Int
  /// Steps trained by this run so far.
  public var stepsRun: Int
  /// Seconds left, from this run's mean wall time per finished trial and the job count; nil
  /// until a trial has finished.
  public var etaSeconds: Double?

  public init(
    total: Int, finished: Int, running: Int, pending: Int, stepsRun: Int, etaSeconds: Double?
  ) {
    self.total = total
    self.finished = finished
    self.running = running
    self.pending = pending
    self.stepsRun = stepsRun
    self.etaSeconds = etaSeconds
  }
}

/// Receives scheduler events, from any of its threads (implementations serialise output).
public protocol SchedulerProgress: Sendable {
  func scheduler(_ event: SchedulerEvent)
}

/// Discards every event (`--quiet`, tests).
public struct SilentProgress: SchedulerProgress {
  public init() {}
  public func scheduler(_ event: SchedulerEvent) {}
}
