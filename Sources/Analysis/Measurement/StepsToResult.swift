/// How far a cell's steps-to-result can be trusted, given which trials were cut short.
public enum Exactness: String, Hashable, Sendable, Codable {
  /// No unfinished or truncated trial could have done better: the value (or the absence of a
  /// point) is what a full run of every trial would give.
  case exact
  /// A truncated trial might still have met the goal earlier: the true value lies in
  /// (`lowerBoundExclusive`, `steps`].
  case upperBound = "upper-bound"
  /// No trial meets the goal, but a truncated trial might have: there is no point yet, and a
  /// point, if any, would lie above `lowerBoundExclusive`.
  case unknown
}

/// A cell's steps-to-result under one goal.
///
/// The value is the smallest `firstStep` over the cell's trials (ties: lowest trial index), as in
/// Shallue et al.'s `compute_steps_to_result` (rows sorted by step, then trial). Evaluations happen
/// every `evaluation.every_steps`, so the value is a multiple of that cadence.
///
/// **When a recomputed goal is exact.** The store stops a trial when it meets the stored goal
/// (reached), when it can no longer beat the cell's best (dominated), on NaN (diverged) or at the
/// budget (not reached). Only a truncated trial (dominated, stopped at a looser stored goal,
/// failed, unfinished) has an unknown future, and that future starts after its last stored step
/// `L`. So the minimum `S` over the curves is exact iff every truncated trial that does not meet
/// the goal within its curve has `L >= S`; otherwise the true value lies in (min L, S].
/// - A goal at least as loose as the stored one is always exact: each reached trial meets it no
///   later than it met the stored goal, so `S <= s0` (the stored answer), and every dominated
///   trial was stopped at a step `>= s0 >= S`.
/// - A tighter goal is exact only where the curves happen to show it; trials stopped on reaching
///   the stored goal are truncated for it, and usually make the answer an upper bound.
public struct StepsToResult: Hashable, Sendable {
  /// Nil: the cell has no point under this goal (shown as such, never as a number).
  public var steps: Int?
  /// Position in the cell's `trials` array of the best trial.
  public var bestTrialPosition: Int?
  public var exactness: Exactness
  /// For `upperBound` and `unknown`: the true value is greater than this step.
  public var lowerBoundExclusive: Int?

  public init(
    steps: Int?, bestTrialPosition: Int?, exactness: Exactness, lowerBoundExclusive: Int?
  ) {
    self.steps = steps
    self.bestTrialPosition = bestTrialPosition
    self.exactness = exactness
    self.lowerBoundExclusive = lowerBoundExclusive
  }

  /// The cell's answer from its trials' crossings (`indices[i]` is trial i's sequence index).
  public init(crossings: [TrialCrossing], indices: [Int]) {
    var best: Int?
    var bestPosition: Int?
    for (position, crossing) in crossings.enumerated() {
      guard let step = crossing.firstStep else { continue }
      if let current = best, let at = bestPosition {
        if step < current || (step == current && indices[position] < indices[at]) {
          best = step
          bestPosition = position
        }
      } else {
        best = step
        bestPosition = position
      }
    }
    var earliestCut: Int?
    for crossing in crossings where crossing.firstStep == nil && crossing.isTruncated {
      if best.map({ crossing.lastStep < $0 }) ?? true {
        earliestCut = min(earliestCut ?? crossing.lastStep, crossing.lastStep)
      }
    }
    self.steps = best
    self.bestTrialPosition = bestPosition
    self.lowerBoundExclusive = earliestCut
    if earliestCut == nil {
      self.exactness = .exact
    } else {
      self.exactness = best == nil ? .unknown : .upperBound
    }
  }
}
