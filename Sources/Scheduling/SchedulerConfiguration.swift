/// How a `Scheduler` runs a plan.
public struct SchedulerConfiguration: Sendable {
  /// Trials trained at once, each on its own thread.
  public var jobs: Int
  /// Stop a cell's other trials at its best steps-to-result (exact; see `Scheduler`). Off only
  /// to measure what it saves.
  public var exactEarlyStop: Bool
  public var ordering: TrialOrdering
  /// Passed to each trial: save a checkpoint every this many steps.
  public var checkpointEverySteps: Int
  /// How often an interrupted trial (not by our own interrupt) is retried within one run.
  public var maxInterruptRetries: Int
  /// Seconds between lease heartbeats; the store's time to live should be several of these.
  public var leaseRenewSeconds: Double
  /// Install SIGINT and SIGTERM handlers for the run: the first checkpoints running trials and
  /// returns with `SchedulerSummary.interrupted`; a second signal kills the process at once.
  public var handleSignals: Bool
  public var owner: LeaseOwner

  public init(
    jobs: Int = 1, exactEarlyStop: Bool = true, ordering: TrialOrdering = .informed,
    checkpointEverySteps: Int = 1000, maxInterruptRetries: Int = 2, leaseRenewSeconds: Double = 10,
    handleSignals: Bool = false, owner: LeaseOwner = .current()
  ) {
    self.jobs = max(1, jobs)
    self.exactEarlyStop = exactEarlyStop
    self.ordering = ordering
    self.checkpointEverySteps = checkpointEverySteps
    self.maxInterruptRetries = maxInterruptRetries
    self.leaseRenewSeconds = leaseRenewSeconds
    self.handleSignals = handleSignals
    self.owner = owner
  }
}
