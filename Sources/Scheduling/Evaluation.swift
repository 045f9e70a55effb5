import WorkloadModel

/// One periodic evaluation of a trial: the points of its curve.
public struct Evaluation: Hashable, Sendable, Codable {
  /// Training steps taken when the evaluation ran.
  public var step: Int
  /// 1 - accuracy on the whole validation split; for an evaluation cut short (`counts` not
  /// complete), the lower bound wrong / N.
  public var validationError: Double
  /// Mean cross-entropy on the whole validation split; cut short, the lower bound
  /// (loss summed over the examples seen) / N.
  public var validationLoss: Double
  /// Mean training loss since the previous evaluation (NaN when the trainer does not track it).
  public var trainingLoss: Double
  /// Wrong answers, examples seen and the split's size: the goal is tested on these, exactly.
  /// Nil only for curves from trainers (or stores) that did not count.
  public var counts: EvaluationCounts?

  public init(
    step: Int, validationError: Double, validationLoss: Double, trainingLoss: Double,
    counts: EvaluationCounts? = nil
  ) {
    self.step = step
    self.validationError = validationError
    self.validationLoss = validationLoss
    self.trainingLoss = trainingLoss
    self.counts = counts
  }

  /// False when the evaluation stopped early: its values are lower bounds.
  public var isComplete: Bool { counts?.isComplete ?? true }

  /// The goal's metric at this point (a lower bound when not complete).
  public func metric(_ goal: Goal) -> Double {
    goal.metric == .validationError ? validationError : validationLoss
  }

  /// Whether this point meets `goal`: exactly on counts; never for a point cut short.
  public func meets(_ goal: Goal) -> Bool {
    goal.isMet(metric(goal), counts: counts)
  }
}
