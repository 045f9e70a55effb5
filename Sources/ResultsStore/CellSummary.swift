import Planning
import Scheduling

/// Where one cell stands: trial counts by state and its steps-to-result so far (`status --json`).
public struct CellSummary: Hashable, Sendable, Codable {
  public var cell: CellID
  /// Every state, including zero counts, keyed by `TrialState.rawValue`.
  public var counts: [String: Int]
  /// The lowest steps-to-result over reached trials; nil when none has reached the goal yet.
  public var stepsToResult: Int?
  public var trials: Int

  public init(cell: CellID, counts: [String: Int], stepsToResult: Int?, trials: Int) {
    self.cell = cell
    self.counts = counts
    self.stepsToResult = stepsToResult
    self.trials = trials
  }

  public func count(_ state: TrialState) -> Int { counts[state.rawValue] ?? 0 }
}
