/// What a results store knows about one trial key.
public struct StoredTrial: Hashable, Sendable, Codable {
  /// Training steps recorded so far (the last evaluated or checkpointed step).
  public var stepsRun: Int
  /// Whether the trial reached a final state (reached, not-reached, dominated, diverged, failed).
  public var finished: Bool

  public init(stepsRun: Int, finished: Bool) {
    self.stepsRun = stepsRun
    self.finished = finished
  }
}

/// Answers "which of these keys are already done?" so that `plan` and `diff` can say what is
/// reused and what is pending.
///
/// Planning declares it and the results store implements it (the store sits later in the
/// pipeline, so it may import Planning but not the other way round), as swift-driver does with
/// `DriverExecutor`.
public protocol PlanStatusProvider {
  /// The stored state of each key the store knows; keys it has never seen are absent.
  func storedTrials(for keys: [TrialKey]) throws -> [TrialKey: StoredTrial]
}

/// No store: nothing is done.
public struct EmptyPlanStatus: PlanStatusProvider {
  public init() {}
  public func storedTrials(for keys: [TrialKey]) throws -> [TrialKey: StoredTrial] { [:] }
}
