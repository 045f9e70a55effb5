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
/// - A goal at least as loose as the stored one is exact unless a give-up rule abandoned a trial
///   before the answer: each reached trial meets it no later than it met the stored goal, so
///   `S <= s0` (the stored answer), and every dominated trial was stopped at a step `>= s0 >= S`;
///   a give-up rule stops trials regardless of the cell's best, so it can cut a trial earlier.
/// - A tighter goal is exact only where the curves happen to show it; trials stopped on reaching
///   the stored goal are truncated for it, and usually make the answer an upper bound.
///
/// **Evaluations that exited early.** A point stored as a lower bound (the evaluation stopped
/// once its wrong answers proved the run's goal missed) decides every goal at least as strict as
/// the run's (fewer allowed wrong answers: the count seen already exceeds them), so those goals
/// are as exact as with full evaluations. A looser goal may be undecided at such a point: the
/// trial could have met it there, so the point bounds the cell like a trial cut short just
/// before it (`boundByEarlyExit` says so), and the report names those cells.
public struct StepsToResult: Hashable, Sendable {
  /// Nil: the cell has no point under this goal (shown as such, never as a number).
  public var steps: Int?
  /// Position in the cell's `trials` array of the best trial.
  public var bestTrialPosition: Int?
  public var exactness: Exactness
  /// For `upperBound` and `unknown`: the true value is greater than this step.
  public var lowerBoundExclusive: Int?
  /// True when what makes the value a bound is an evaluation that exited early under the run's
  /// goal and does not decide this (looser) goal; rerun with `evaluation.exit_early: false`, or
  /// under this goal, to make the cell exact.
  public var boundByEarlyExit: Bool

  public init(
    steps: Int?, bestTrialPosition: Int?, exactness: Exactness, lowerBoundExclusive: Int?,
    boundByEarlyExit: Bool = false
  ) {
    self.steps = steps
    self.bestTrialPosition = bestTrialPosition
    self.exactness = exactness
    self.lowerBoundExclusive = lowerBoundExclusive
    self.boundByEarlyExit = boundByEarlyExit
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
    var cutByEarlyExit = false
    for crossing in crossings {
      var cut: Int?
      if crossing.firstStep == nil && crossing.isTruncated { cut = crossing.lastStep }
      if let decided = crossing.decidedThrough, decided < (cut ?? Int.max) { cut = decided }
      guard let cut, best.map({ cut < $0 }) ?? true else { continue }
      if cut < (earliestCut ?? Int.max) {
        earliestCut = cut
        cutByEarlyExit = crossing.decidedThrough == cut
      }
    }
    self.steps = best
    self.bestTrialPosition = bestPosition
    self.lowerBoundExclusive = earliestCut
    self.boundByEarlyExit = earliestCut != nil && cutByEarlyExit
    if earliestCut == nil {
      self.exactness = .exact
    } else {
      self.exactness = best == nil ? .unknown : .upperBound
    }
  }
}
