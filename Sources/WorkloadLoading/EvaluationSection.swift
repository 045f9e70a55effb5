import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `evaluation:` — how often the whole validation split is evaluated (this sets the resolution of
/// steps-to-result) and in what batch size (a speed knob only).
enum EvaluationSection {
  static let keys = ["every_steps", "batch_size"]
  /// Lee et al.'s `check_interval_arrival`.
  static let defaultEverySteps = 100
  static let defaultBatchSize = 1_000
}

extension WorkloadChecker {
  func evaluation(_ node: YAMLNode?, anchor: SourceRange?, budget: StepBudget?) -> EvaluationPolicy?
  {
    guard let node else {
      return EvaluationPolicy(
        everySteps: EvaluationSection.defaultEverySteps,
        batchSize: EvaluationSection.defaultBatchSize)
    }
    guard
      let view = mapping(node, section: "evaluation", keys: EvaluationSection.keys, anchor: anchor)
    else { return nil }
    var every: Int? = EvaluationSection.defaultEverySteps
    if let e = view["every_steps"] { every = integer(e, "evaluation.every_steps", atLeast: 1) }
    var batch: Int? = EvaluationSection.defaultBatchSize
    if let b = view["batch_size"] { batch = integer(b, "evaluation.batch_size", atLeast: 1) }
    guard let every, let batch else { return nil }
    if let budget, every > budget.maxSteps, let e = view["every_steps"] {
      report(EvaluationMessages.neverEvaluated(every, maxSteps: budget.maxSteps, at: e.range))
      return nil
    }
    return EvaluationPolicy(everySteps: every, batchSize: batch)
  }
}

private enum EvaluationMessages {
  static func neverEvaluated(_ every: Int, maxSteps: Int, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.evaluation.never",
      "evaluating every \(every) steps never happens within "
        + "max_steps \(maxSteps)",
      detail: "evaluate more often than the step budget, or no trial can reach the goal", at: range)
  }
}
