/// The order in which the scheduler starts trials. Exact early stop saves the most when each
/// cell's eventual best trial runs first, since it bounds every later trial of the cell.
public enum TrialOrdering: String, Hashable, Sendable, Codable, CaseIterable {
  /// The plan's order (cell by cell, trial index within a cell): a baseline.
  case plan
  /// One trial of each cell in turn, by trial index, so every cell gets a bound early.
  case roundRobin = "round-robin"
  /// Cell by cell in plan order (so along the batch-size ladder); within a cell, first the trial
  /// indices that reached the goal soonest (relative to that cell's best) at the nearest cell
  /// with results: the same optimizer and sparsity by batch-size distance, then other
  /// sparsities. Trial i has the same metaparameters in every cell, and good metaparameters move
  /// smoothly with the batch size, so the cell's best trial tends to run first and bound the rest.
  /// Finishing a cell before the next gives the ranking complete neighbours; trials of one cell
  /// running at once still share a bound the moment one reaches the goal.
  case informed
}
