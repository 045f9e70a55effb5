import WorkloadModel

/// What a trial's stored curve says about one goal, which may differ from the goal it ran under.
public enum GoalOutcome: String, Hashable, Sendable, Codable, CaseIterable {
  /// The curve meets the goal at some evaluated step.
  case reached
  /// The trial spent its step budget without meeting the goal: complete knowledge.
  case notReached = "not-reached"
  /// Not reached, but abandoned by a give-up rule before its budget: its future is unknown.
  case gaveUp = "gave-up"
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
  /// Set when an evaluation that exited early (a lower bound, stored under the run's goal) does
  /// not decide this goal, before `firstStep` (or anywhere, without one): the curve decides the
  /// goal only through this step (0: before the first evaluation). The trial might have met
  /// the goal at the undecided point, so it bounds the cell like a trial cut short here.
  public var decidedThrough: Int?

  /// True when the curve stops short for a reason other than the budget or a divergence, so the
  /// trial might still have met the goal after `lastStep`.
  public var isTruncated: Bool {
    switch outcome {
    case .reached, .notReached, .diverged: return false
    case .dominated, .gaveUp, .stoppedAtStoredGoal, .failed, .unfinished: return true
    }
  }

  public init(firstStep: Int?, lastStep: Int, outcome: GoalOutcome, decidedThrough: Int? = nil) {
    self.firstStep = firstStep
    self.lastStep = lastStep
    self.outcome = outcome
    self.decidedThrough = decidedThrough
  }

  /// Measures `trial` against `goal`: a linear scan of the stored curve. A point meets the goal
  /// by the exact test on its counts (`Goal.isMet(_:counts:)`), never when it is a bound; an
  /// evaluation with a NaN metric never meets a goal (every comparison with NaN is false). A
  /// bound decides that the goal is missed when its wrong answers already exceed the goal's
  /// allowance (always so for the run's goal, and any stricter one), or its loss bound is
  /// already past a loss threshold; otherwise it leaves the goal undecided at that step.
  public init(trial: TrialResult, goal: Goal) {
    let curve = trial.curve
    let values = curve.values(of: goal.metric)
    let steps = curve.steps
    var first: Int?
    var decided: Int?
    var previous = 0
    for i in 0..<min(values.count, steps.count) {
      let counts = curve.counts(i)
      if goal.isMet(values[i], counts: counts) {
        first = steps[i]
        break
      }
      if decided == nil, let counts, !counts.isComplete, !Self.provesMissed(goal, values[i], counts)
      {
        decided = previous
      }
      previous = steps[i]
    }
    self.firstStep = first
    self.lastStep = steps.last ?? 0
    self.decidedThrough = decided
    if first != nil {
      self.outcome = .reached
      return
    }
    switch trial.state {
    case .reached: self.outcome = .stoppedAtStoredGoal
    case .notReached: self.outcome = trial.stoppedBeforeBudget ? .gaveUp : .notReached
    case .dominated: self.outcome = .dominated
    case .diverged: self.outcome = .diverged
    case .failed: self.outcome = .failed
    case .planned, .running, .interrupted: self.outcome = .unfinished
    }
  }

  /// Whether a point cut short already shows the goal missed: more wrong answers among those
  /// seen than the goal allows of the whole split, or a loss lower bound past the threshold.
  static func provesMissed(_ goal: Goal, _ value: Double, _ counts: EvaluationCounts) -> Bool {
    switch goal.metric {
    case .validationError: return counts.wrong > goal.allowedWrong(outOf: counts.total)
    case .validationCrossEntropy: return value.isFinite && !goal.isMet(value)
    }
  }
}
