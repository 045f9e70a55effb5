import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `evaluation:` — when the whole validation split is evaluated (this sets the resolution of
/// steps-to-result): every N steps, N by batch size, or a geometric schedule; in what batch size
/// (a speed knob only); and whether an evaluation may stop once it proves the goal missed.
enum EvaluationSection {
  static let keys = ["every_steps", "batch_size", "overrides", "growth", "exit_early"]
  /// Lee et al.'s `check_interval_arrival`.
  static let defaultEverySteps = 100
  static let defaultBatchSize = 1_000
}

extension WorkloadChecker {
  func evaluation(
    _ node: YAMLNode?, anchor: SourceRange?, budget: StepBudget?, study: StudySpec? = nil
  ) -> EvaluationPolicy? {
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
    var overrides: [Int: Int]? = [:]
    if let o = view["overrides"] {
      overrides = batchSizeOverrides(
        o, "evaluation.overrides", of: "evaluation intervals", study: study)
    }
    var growth: Double?? = .some(nil)
    if let g = view["growth"] {
      growth = real(
        g, "evaluation.growth", above: 1,
        help: "1.1 evaluates at steps about 10% apart; leave it out for a fixed interval"
      ).map(Optional.some)
      if let o = view["overrides"] {
        report(
          EvaluationMessages.growthWithOverrides(
            at: view.keyRange("overrides") ?? o.range, growth: view.keyRange("growth")))
        growth = nil
      }
    }
    var exitEarly: Bool? = true
    if let x = view["exit_early"] { exitEarly = bool(x, "evaluation.exit_early") }
    guard let every, let batch, let overrides, let growth, let exitEarly else { return nil }
    if let budget, every > budget.maxSteps, let e = view["every_steps"] {
      report(EvaluationMessages.neverEvaluated(every, maxSteps: budget.maxSteps, at: e.range))
      return nil
    }
    return EvaluationPolicy(
      everySteps: every, batchSize: batch, overrides: overrides, growth: growth,
      exitEarly: exitEarly)
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

  static func growthWithOverrides(at range: SourceRange, growth: SourceRange?) -> Diagnostic {
    .error(
      "workload.evaluation.growth-with-overrides",
      "'evaluation' has both 'overrides' and 'growth'",
      detail: "a geometric schedule already scales with the steps; keep 'growth' (and "
        + "'every_steps' as its first step) or the per-batch-size 'overrides'",
      at: range, notes: growth.map { [Note("'growth' is set here", at: $0)] } ?? [])
  }
}
