/// What the scheduler tells a running trial, after each evaluation and whenever it asks.
public enum TrialDirective: Hashable, Sendable {
  /// Keep training up to the budget.
  case proceed
  /// Do not train past `step`. Evaluate at `step` (a multiple of the evaluation interval); if the
  /// goal is not met by then, stop and return `.dominated(step:)`. Returned right after an
  /// evaluation at `step` itself, it means stop now.
  case stop(atStep: Int)
  /// Save a checkpoint now, then return `.interrupted`.
  case interrupt
}
