import WorkloadModel

/// One cell measured against the analysis goal.
public struct CellAnalysis: Sendable {
  /// The cell's input, trials in their stored order.
  public var results: CellResults
  /// One per trial, in the same order as `results.trials`.
  public var crossings: [TrialCrossing]
  public var stepsToResult: StepsToResult
  /// The lowest value of the goal's metric over every complete evaluation of every trial (nil
  /// without any); evaluations that exited early are lower bounds and do not count.
  public var bestMetric: Double?
  /// S(B0) · B0 / B for the curve's anchor B0; nil without an anchor.
  public var perfectScalingSteps: Double?
  /// Nil for a cell without a point.
  public var region: ScalingRegion?

  public var batchSize: Int { results.batchSize }
  public var sparsity: Double { results.sparsity }

  /// Steps-to-result over the perfect-scaling line (1: on the line); nil without a point.
  public var ratioToPerfectScaling: Double? {
    guard let steps = stepsToResult.steps, let perfect = perfectScalingSteps else { return nil }
    return Double(steps) / perfect
  }

  /// The evaluation interval that ends at the cell's steps-to-result (the best trial's previous
  /// evaluated step, or 0, up to it): the true crossing of the goal lies in that interval.
  public var resolutionSteps: Int? {
    guard let steps = stepsToResult.steps, let trial = bestTrial else { return nil }
    let before = trial.curve.steps.last { $0 < steps } ?? 0
    return steps - before
  }

  /// `resolutionSteps` as a fraction of the steps-to-result (Lee et al.'s fixed 100 steps is 0.25
  /// at 400 steps and 0.01 at 10,000); nil without a point.
  public var resolution: Double? {
    guard let steps = stepsToResult.steps, steps > 0, let interval = resolutionSteps else {
      return nil
    }
    return Double(interval) / Double(steps)
  }

  /// The best trial, if the cell has a point.
  public var bestTrial: TrialResult? {
    stepsToResult.bestTrialPosition.map { results.trials[$0] }
  }

  /// Trials per outcome under the analysis goal.
  public var outcomeCounts: [GoalOutcome: Int] {
    var counts: [GoalOutcome: Int] = [:]
    for crossing in crossings { counts[crossing.outcome, default: 0] += 1 }
    return counts
  }
}

/// One optimizer at one sparsity: steps-to-result against batch size.
public struct CurveAnalysis: Sendable {
  public var optimizer: OptimizerKind
  public var optimizerName: String
  public var sparsity: Double
  /// Every cell of the curve, by batch size, with or without a point.
  public var cells: [CellAnalysis]
  /// The smallest batch size with a point: where the perfect-scaling line is anchored.
  public var anchorBatchSize: Int?
  /// The first batch size whose steps exceed `rule.factor` times the perfect-scaling line.
  public var leavesPerfectScalingAt: Int?
  public var fit: ScalingFit?
  public var interval: BootstrapInterval?

  /// The cells that have a point, by batch size.
  public var points: [CellAnalysis] { cells.filter { $0.stepsToResult.steps != nil } }
  /// "nesterov, sparsity 90%": the label used in legends and tables.
  public var label: String { "\(optimizerName), sparsity \(SparsityFormat.percent(sparsity))" }
}

/// One workload's analysis.
public struct StudyAnalysis: Sendable {
  public var workload: String
  public var dataset: String
  /// The goal the trials ran under.
  public var storedGoal: Goal
  /// The goal this analysis measures against (`--goal`, or the stored one).
  public var goal: Goal
  public var evaluationEverySteps: Int?
  /// By optimizer name, then sparsity.
  public var curves: [CurveAnalysis]
  public var masks: [MaskDensity]
  /// Landscape probes by curve (`ProbeAnalysis`); empty without probes.
  public var probes: [ProbeCurve] = []

  /// Every trial in the study.
  public var trialCount: Int {
    curves.reduce(0) { $0 + $1.cells.reduce(0) { $0 + $1.crossings.count } }
  }
}

/// Formatting shared by every view of a sparsity, so that tables and legends agree.
public enum SparsityFormat {
  /// 0.9 -> "90%", 0.995 -> "99.5%".
  public static func percent(_ sparsity: Double) -> String {
    let value = (sparsity * 1000).rounded() / 10
    return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
  }
}
