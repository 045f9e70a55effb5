/// The order in which the scheduler starts trials. Exact early stop saves the most when each
/// cell's eventual best trial runs first, since it bounds every later trial of the cell.
public enum TrialOrdering: String, Hashable, Sendable, Codable, CaseIterable {
  /// The plan's order (cell by cell, trial index within a cell): a baseline.
  case plan
  /// One trial of each cell in turn, by trial index, so every cell gets a bound early.
  case roundRobin = "round-robin"
  /// Round robin over cells; within a cell, first the trial indices that reached the goal soonest
  /// (relative to that cell's best) at the nearest cell with results: the same batch-size ladder
  /// first (same optimizer and sparsity), then the other sparsities. Trial i has the same
  /// metaparameters in every cell, and good metaparameters move smoothly with the batch size.
  case informed
}
