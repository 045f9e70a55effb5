/// A finished (or interrupted) trial as the scheduler records it: the outcome with its numbers.
public struct TrialResult: Hashable, Sendable {
  public var state: TrialState
  /// The first evaluation step that met the goal; nil unless `state == .reached`.
  public var stepsToResult: Int?
  /// Steps trained, as far as the last evaluation or checkpoint shows.
  public var stepsRun: Int
  /// The best (lowest) value of the goal metric over the evaluations; nil before any.
  public var bestMetric: Double?
  /// For `.failed`: what went wrong.
  public var message: String?
  /// Wall-clock seconds this run spent on the trial (not counting earlier, interrupted runs).
  public var wallSeconds: Double
  /// Training examples per second this run (steps x batch size / wall seconds).
  public var examplesPerSecond: Double

  public init(
    state: TrialState, stepsToResult: Int?, stepsRun: Int, bestMetric: Double?,
    message: String? = nil, wallSeconds: Double = 0, examplesPerSecond: Double = 0
  ) {
    self.state = state
    self.stepsToResult = stepsToResult
    self.stepsRun = stepsRun
    self.bestMetric = bestMetric
    self.message = message
    self.wallSeconds = wallSeconds
    self.examplesPerSecond = examplesPerSecond
  }

  /// Whether two results for the same key can both come from one deterministic trainer.
  ///
  /// Early stop and budgets legitimately stop the same trajectory at different steps, so only
  /// what both runs observed is compared: the step the goal was first met (if the other run got
  /// that far), divergence, and failure.
  public func isConsistent(with other: TrialResult) -> Bool {
    switch (state, other.state) {
    case (.failed, .failed): return true
    case (.failed, _), (_, .failed): return false
    case (.reached, .reached): return stepsToResult == other.stepsToResult
    case (.reached, _): return !other.ranPast(stepsToResult ?? 0)
    case (_, .reached): return other.isConsistent(with: self)
    case (.diverged, .diverged): return stepsRun == other.stepsRun
    case (.diverged, _): return other.stepsRun < stepsRun
    case (_, .diverged): return stepsRun < other.stepsRun
    default: return true
    }
  }

  /// Whether this run trained to `step` or beyond without meeting the goal.
  private func ranPast(_ step: Int) -> Bool {
    state != .reached && stepsRun >= step
  }
}
