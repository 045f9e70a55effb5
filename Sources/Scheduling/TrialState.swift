/// Where a trial stands in the store. The raw values are the store's and `status --json`'s
/// spelling, so they never change.
public enum TrialState: String, Hashable, Sendable, Codable, CaseIterable {
  /// In a registered plan, never started.
  case planned
  /// Leased by a run that is (or was, if it crashed) training it.
  case running
  /// Met the goal at `stepsToResult`.
  case reached
  /// Spent its step budget (or a give-up rule fired) without meeting the goal.
  case notReached = "not-reached"
  /// Stopped by exact early stop: another trial of its cell had already met the goal by the step
  /// this one stopped at, so it could not change the cell's steps-to-result.
  case dominated
  /// A NaN or infinite loss or metric.
  case diverged
  /// An input error (missing data, a bad spec): not retried, because running again fails again.
  case failed
  /// Stopped by a signal, a lost worker or a crash: resumed from its last checkpoint.
  case interrupted

  /// A finished trial has a result that is never overwritten; the others are still to run.
  public var isFinished: Bool {
    switch self {
    case .reached, .notReached, .dominated, .diverged, .failed: return true
    case .planned, .running, .interrupted: return false
    }
  }
}
