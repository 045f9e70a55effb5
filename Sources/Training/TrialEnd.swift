import WorkloadModel

/// How a trial run ended.
public enum TrialEnd: Hashable, Sendable {
  /// The evaluation at `step` met the goal (steps-to-result = `step`); training stopped there.
  case reached(step: Int)
  /// The budget ran out (`step` = the budget) without meeting the goal.
  case budgetSpent(step: Int)
  /// A give-up rule fired at the evaluation at `step`.
  case gaveUp(step: Int, rule: GiveUpRule)
  /// Told to stop at `step` (exact early stop) without having met the goal.
  case dominated(step: Int)
  /// A NaN or infinite training loss or validation metric at `step`.
  case diverged(step: Int)
  /// Told to interrupt; a checkpoint at `step` was saved first.
  case interrupted(step: Int)
  /// The spec, the data or the mask is unusable; the message is for the user.
  case failed(message: String)
}

/// Everything a run produced.
public struct TrialReport: Sendable {
  public var end: TrialEnd
  /// The evaluations of this run (after a resume: those after the checkpoint).
  public var evaluations: [EvaluationEvent]
  /// Updates applied when the run ended.
  public var steps: Int
  /// Wall-clock seconds of this run, data preparation included.
  public var seconds: Double
  /// Training examples per second over this run (evaluation time excluded).
  public var examplesPerSecond: Double
  /// The kernel each prunable layer ran on (`Model.layerPaths`), e.g. `conv2 sparse (...)`.
  public var layerPaths: [String] = []
  /// Gradient bytes each worker all-reduces per step (kept entries only under a mask; 0 for
  /// one worker).
  public var allReduceBytesPerStep = 0

  public init(
    end: TrialEnd, evaluations: [EvaluationEvent], steps: Int, seconds: Double,
    examplesPerSecond: Double
  ) {
    self.end = end
    self.evaluations = evaluations
    self.steps = steps
    self.seconds = seconds
    self.examplesPerSecond = examplesPerSecond
  }
}
