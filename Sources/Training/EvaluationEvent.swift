import WorkloadModel

/// One evaluation on the validation split: a point of the trial's curve. Cut short by early exit
/// (`counts.isComplete == false`), the error and loss are lower bounds (sums over the examples
/// seen, divided by the split's size).
public struct EvaluationEvent: Hashable, Sendable, Codable {
  /// Updates applied when the evaluation ran (Lee et al.'s `itr + 1`).
  public var step: Int
  /// 1 - accuracy on the whole validation split.
  public var validationError: Double
  /// Mean softmax cross-entropy on the whole validation split.
  public var validationLoss: Double
  /// Mean training-batch loss over the steps since the previous evaluation.
  public var trainingLoss: Double
  /// Training examples per second since the previous evaluation (evaluation time excluded).
  public var examplesPerSecond: Double
  /// Seconds the evaluation itself took.
  public var evaluationSeconds: Double
  /// Wrong answers, examples seen and the split's size (nil only from hand-made events).
  public var counts: EvaluationCounts?

  public init(
    step: Int, validationError: Double, validationLoss: Double, trainingLoss: Double,
    examplesPerSecond: Double, evaluationSeconds: Double, counts: EvaluationCounts? = nil
  ) {
    self.step = step
    self.validationError = validationError
    self.validationLoss = validationLoss
    self.trainingLoss = trainingLoss
    self.examplesPerSecond = examplesPerSecond
    self.evaluationSeconds = evaluationSeconds
    self.counts = counts
  }
}

/// What the caller (the scheduler) tells a running trial.
public enum TrialControl: Hashable, Sendable {
  /// Keep training up to the budget.
  case proceed
  /// Train to `atStep` at the latest, evaluate there, and stop unless the goal is met by then
  /// (exact early stop: the cell already has a result at `atStep`).
  case stop(atStep: Int)
  /// Save a checkpoint now and return `.interrupted`.
  case interrupt
}

/// The caller's side of a running trial: where evaluations and checkpoints go, and what it
/// wants. Called on the thread that runs the trial (rank 0).
public struct TrialMonitor: Sendable {
  /// Receives every evaluation, in order; the answer applies from then on.
  public var evaluated: @Sendable (EvaluationEvent) -> TrialControl
  /// Receives checkpoints (the step and the bytes `TrialRunner` can resume from).
  public var checkpoint: @Sendable (_ step: Int, _ bytes: [UInt8]) -> Void
  /// Polled before every step (must be cheap): a stop or an interrupt that arrives between
  /// evaluations.
  public var poll: @Sendable () -> TrialControl
  /// Receives every probe measurement (`TrainerConfiguration.probes`), in step order.
  public var probed: @Sendable (ProbeMeasurement) -> Void

  public init(
    evaluated: @escaping @Sendable (EvaluationEvent) -> TrialControl = { _ in .proceed },
    checkpoint: @escaping @Sendable (_ step: Int, _ bytes: [UInt8]) -> Void = { _, _ in },
    poll: @escaping @Sendable () -> TrialControl = { .proceed },
    probed: @escaping @Sendable (ProbeMeasurement) -> Void = { _ in }
  ) {
    self.evaluated = evaluated
    self.checkpoint = checkpoint
    self.poll = poll
    self.probed = probed
  }
}
