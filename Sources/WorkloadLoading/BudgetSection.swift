import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `budget:` — how long a trial may run: a step budget, optionally an epoch cap, exceptions by
/// batch size, and give-up rules that abandon hopeless trials early.
enum BudgetSection {
  static let keys = ["max_steps", "max_epochs", "overrides", "give_up"]
  static let required = ["max_steps"]
  static let giveUpKeys = ["step", "above"]
}

extension WorkloadChecker {
  func budget(_ node: YAMLNode, anchor: SourceRange, study: StudySpec?, goal: Goal?) -> StepBudget?
  {
    guard
      let view = mapping(
        node, section: "budget", keys: BudgetSection.keys, required: BudgetSection.required,
        anchor: anchor)
    else { return nil }
    let maxSteps = view["max_steps"].flatMap { integer($0, "budget.max_steps", atLeast: 1) }
    var maxEpochs: Double?? = .some(nil)
    if let e = view["max_epochs"] {
      maxEpochs = real(e, "budget.max_epochs", above: 0).map(Optional.some)
    }
    var overrides: [Int: Int]? = [:]
    if let o = view["overrides"] {
      overrides = batchSizeOverrides(o, "budget.overrides", of: "step budgets", study: study)
    }
    var giveUp: [GiveUpRule]? = []
    if let g = view["give_up"] { giveUp = self.giveUp(g, goal: goal) }
    guard let maxSteps, let maxEpochs, let overrides, let giveUp else { return nil }
    return StepBudget(
      maxSteps: maxSteps, maxEpochs: maxEpochs, overrides: overrides, giveUp: giveUp)
  }

  /// A mapping of the study's batch sizes to positive step counts (`budget.overrides`,
  /// `evaluation.overrides`).
  func batchSizeOverrides(_ node: YAMLNode, _ what: String, of values: String, study: StudySpec?)
    -> [Int: Int]?
  {
    guard let pairs = node.mapping else {
      report(
        CommonMessages.wrongType(
          expected: "a mapping of batch sizes to \(values)", found: describe(node),
          what: what, at: node.range))
      return nil
    }
    let known = study.map { Set($0.batchSizes.map(\.value)) }
    var result: [Int: Int] = [:]
    var failed = false
    for pair in pairs {
      let batch = integer(pair.key, what, atLeast: 1)
      let steps = integer(pair.value, "\(what).\(pair.key.scalar?.value ?? "")", atLeast: 1)
      guard let batch, let steps else {
        failed = true
        continue
      }
      if let known, !known.contains(batch) {
        report(
          BudgetMessages.overrideNotInStudy(batch, what: values, at: pair.key.range, known: known))
        failed = true
        continue
      }
      result[batch] = steps
    }
    return failed ? nil : result
  }

  private func giveUp(_ node: YAMLNode, goal: Goal?) -> [GiveUpRule]? {
    guard let items = sequence(node, "budget.give_up") else { return nil }
    var rules: [GiveUpRule] = []
    var failed = false
    for (i, item) in items.enumerated() {
      guard
        let view = mapping(
          item, section: "budget.give_up[\(i)]", keys: BudgetSection.giveUpKeys,
          required: BudgetSection.giveUpKeys)
      else {
        failed = true
        continue
      }
      let step = view["step"].flatMap { integer($0, "budget.give_up.step", atLeast: 1) }
      let above = view["above"].flatMap { real($0, "budget.give_up.above") }
      guard let step, let above, let aboveNode = view["above"] else {
        failed = true
        continue
      }
      if let goal, goal.metric == .validationError, above < 0 || above > 1 {
        report(
          CommonMessages.outOfRange(
            what: "budget.give_up.above", value: aboveNode.scalar?.value ?? "",
            rule: "in [0, 1] for validation_error", at: aboveNode.range))
        failed = true
        continue
      }
      if let goal, above < goal.threshold {
        report(BudgetMessages.giveUpBelowGoal(above, goal: goal, at: aboveNode.range))
        failed = true
        continue
      }
      rules.append(GiveUpRule(step: step, above: above))
    }
    return failed ? nil : rules
  }
}

enum BudgetMessages {
  static func overrideNotInStudy(
    _ batch: Int, what: String, at range: SourceRange, known: Set<Int>
  ) -> Diagnostic {
    .error(
      what == "step budgets"
        ? "workload.budget.override-not-in-study" : "workload.evaluation.override-not-in-study",
      "\(what == "step budgets" ? "step budget" : "evaluation interval") override for batch size "
        + "\(batch), which the study does not measure",
      detail: "the study's batch sizes are "
        + known.sorted().map(String.init).joined(separator: ", "),
      at: range)
  }

  static func giveUpBelowGoal(_ above: Double, goal: Goal, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.budget.give-up-below-goal",
      "give-up threshold \(above) is below the goal \(goal.threshold)",
      detail: "a trial would be abandoned after reaching the goal; use a threshold above the goal",
      at: range)
  }
}
