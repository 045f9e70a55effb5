/// How one call of `TrialRunning.run` ended, as the trainer saw it.
public enum TrialOutcome: Hashable, Sendable {
  /// The evaluation at `step` met the goal; training stopped there.
  case reached(step: Int)
  /// The budget ran out, or a give-up rule fired, without meeting the goal.
  case notReached
  /// Told by the session to stop at `step` (exact early stop) without having met the goal.
  case dominated(step: Int)
  /// A NaN or infinite loss or metric.
  case diverged
  /// An input error, with a message for the user.
  case failed(message: String)
  /// Told to stop by an interrupt after saving a checkpoint, or cut short by a lost worker.
  case interrupted

  /// The state this outcome leaves the trial in.
  public var state: TrialState {
    switch self {
    case .reached: return .reached
    case .notReached: return .notReached
    case .dominated: return .dominated
    case .diverged: return .diverged
    case .failed: return .failed
    case .interrupted: return .interrupted
    }
  }
}
