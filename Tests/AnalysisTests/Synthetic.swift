import Analysis
import WorkloadModel

/// Builders for synthetic trials with known answers.
enum Synthetic {
  /// A trial evaluated at `steps` with the given errors.
  static func trial(
    _ index: Int, _ state: TrialState, steps: [Int], errors: [Double],
    lr: Double = 0.01, momentum: Double? = nil
  ) -> TrialResult {
    var mp = ["learning_rate": lr]
    if let momentum { mp["momentum"] = momentum }
    return TrialResult(
      index: index, key: "k\(index)", state: state, metaparameters: mp,
      curve: EvaluationCurve(steps: steps, validationError: errors, validationLoss: errors))
  }

  static func goal(_ comparison: GoalComparison, _ threshold: Double) -> Goal {
    Goal(comparison: comparison, threshold: threshold)
  }

  /// The cell's steps-to-result under `goal`.
  static func steps(_ trials: [TrialResult], goal: Goal) -> StepsToResult {
    StepsToResult(
      crossings: trials.map { TrialCrossing(trial: $0, goal: goal) }, indices: trials.map(\.index))
  }
}
