import WorkloadModel

/// What a trial's stored curve says about one goal, which may differ from the goal it ran under.
public enum GoalOutcome: String, Hashable, Sendable, Codable, CaseIterable {
  /// The curve meets the goal at some evaluated step.
  case reached
  /// The trial spent its step budget without meeting the goal: complete knowledge.
  case notReached = "not-reached"
  /// Stopped early because it could no longer beat the cell's best (stored goal).
  case dominated
  /// Stopped when it met a looser stored goal, before meeting this one: its future is unknown.
  case stoppedAtStoredGoal = "stopped-at-stored-goal"
  /// NaN loss or error: it would never have met any goal later.
  case diverged
  /// The trainer failed (input error); what the trial would have done is unknown.
  case failed
  /// Planned, running or interrupted: not finished yet.
  case unfinished
}

/// One trial measured against one goal.
public struct TrialCrossing: Hashable, Sendable {
  /// The first evaluated step whose metric meets the goal; nil if the stored curve never does.
  public var firstStep: Int?
  /// The last evaluated step (0 without any evaluation).
  public var lastStep: Int
  public var outcome: GoalOutcome

  /// True when the curve stops short for a reason other than the budget or a divergence, so the
  /// trial might still have met the goal after `lastStep`.
  public var isTruncated: Bool {
    switch outcome {
    case .reached, .notReached, .diverged: return false
    case .dominated, .stoppedAtStoredGoal, .failed, .unfinished: return true
    }
  }

  public init(firstStep: Int?, lastStep: Int, outcome: GoalOutcome) {
    self.firstStep = firstStep
    self.lastStep = lastStep
    self.outcome = outcome
  }

  /// Measures `trial` against `goal`: a linear scan of the stored curve (an evaluation with a NaN
  /// metric never meets a goal, since every comparison with NaN is false).
  public init(trial: TrialResult, goal: Goal) {
    let values = trial.curve.values(of: goal.metric)
    let steps = trial.curve.steps
    var first: Int?
    for i in 0..<min(values.count, steps.count) where goal.isMet(values[i]) {
      first = steps[i]
      break
    }
    self.firstStep = first
    self.lastStep = steps.last ?? 0
    if first != nil {
      self.outcome = .reached
      return
    }
    switch trial.state {
    case .reached: self.outcome = .stoppedAtStoredGoal
    case .notReached: self.outcome = .notReached
    case .dominated: self.outcome = .dominated
    case .diverged: self.outcome = .diverged
    case .failed: self.outcome = .failed
    case .planned, .running, .interrupted: self.outcome = .unfinished
    }
  }
}
