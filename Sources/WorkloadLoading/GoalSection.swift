import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `goal:` — the metric and the threshold a trial must meet, with the comparison written as the
/// key: `at_most` is `<=` (Lee et al.), `below` is `<` (Shallue et al.).
enum GoalSection {
  static let keys = ["metric", "at_most", "below"]
}

extension WorkloadChecker {
  func goal(_ node: YAMLNode, anchor: SourceRange) -> Goal? {
    guard let view = mapping(node, section: "goal", keys: GoalSection.keys, anchor: anchor) else {
      return nil
    }
    var metric: GoalMetric? = .validationError
    if let m = view["metric"] { metric = choice(m, "goal.metric", as: GoalMetric.self) }
    let comparison: GoalComparison
    let thresholdNode: YAMLNode
    switch (view["at_most"], view["below"]) {
    case (nil, nil):
      report(GoalMessages.missingThreshold(at: view.anchor))
      return nil
    case (_?, let b?):
      report(
        GoalMessages.bothThresholds(
          at: view.keyRange("below") ?? b.range, first: view.keyRange("at_most")))
      return nil
    case (let a?, nil):
      (comparison, thresholdNode) = (.atMost, a)
    case (nil, let b?):
      (comparison, thresholdNode) = (.below, b)
    }
    let key = comparison == .atMost ? "goal.at_most" : "goal.below"
    guard let threshold = real(thresholdNode, key), let metric else { return nil }
    let text = thresholdNode.scalar?.value ?? ""
    switch metric {
    case .validationError where threshold < 0 || threshold > 1:
      report(
        CommonMessages.outOfRange(
          what: key, value: text, rule: "in [0, 1] for validation_error", at: thresholdNode.range,
          help: "an error is a fraction: 0.02 means 2% of the validation split misclassified"))
      return nil
    case .validationCrossEntropy where threshold <= 0:
      report(
        CommonMessages.outOfRange(
          what: key, value: text, rule: "greater than 0 for validation_cross_entropy",
          at: thresholdNode.range))
      return nil
    default:
      break
    }
    if comparison == .below, threshold == 0 {
      report(GoalMessages.unreachable(at: thresholdNode.range))
      return nil
    }
    return Goal(metric: metric, comparison: comparison, threshold: threshold)
  }
}

private enum GoalMessages {
  static func missingThreshold(at range: SourceRange) -> Diagnostic {
    .error(
      "workload.goal.missing-threshold", "'goal' needs a threshold",
      detail: "write 'at_most: 0.02' (error <= 0.02, Lee et al.) or 'below: 0.01' (error < 0.01, "
        + "Shallue et al.)",
      at: range)
  }

  static func bothThresholds(at range: SourceRange, first: SourceRange?) -> Diagnostic {
    .error(
      "workload.goal.both-thresholds", "'goal' has both 'at_most' and 'below'",
      detail: "keep one: 'at_most' means <=, 'below' means <", at: range,
      notes: first.map { [Note("'at_most' is set here", at: $0)] } ?? [])
  }

  static func unreachable(at range: SourceRange) -> Diagnostic {
    .error(
      "workload.goal.unreachable", "no error is below 0, so the goal can never be met",
      detail: "use 'at_most: 0' for a perfect score, or a positive threshold", at: range)
  }
}
