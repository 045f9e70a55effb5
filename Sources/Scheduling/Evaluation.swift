/// One periodic evaluation of a trial: the points of its curve.
public struct Evaluation: Hashable, Sendable, Codable {
  /// Training steps taken when the evaluation ran.
  public var step: Int
  /// 1 - accuracy on the whole validation split.
  public var validationError: Double
  /// Mean cross-entropy on the whole validation split.
  public var validationLoss: Double
  /// Mean training loss since the previous evaluation (NaN when the trainer does not track it).
  public var trainingLoss: Double

  public init(step: Int, validationError: Double, validationLoss: Double, trainingLoss: Double) {
    self.step = step
    self.validationError = validationError
    self.validationLoss = validationLoss
    self.trainingLoss = trainingLoss
  }
}
