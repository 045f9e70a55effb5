import Foundation
import Planning

/// The trials still to start, and what is known of finished ones, picked in a `TrialOrdering`.
///
/// Not thread-safe: the scheduler holds its lock around every call.
struct TrialQueue {
  let ordering: TrialOrdering
  /// Cells in order of first appearance in the plan.
  private var cells: [CellID] = []
  private var pending: [CellID: [TrialSpec]] = [:]
  private var planOrder: [TrialSpec] = []
  private var nextCell = 0
  /// Finished results by cell and trial index: what `informed` ranks on.
  private var known: [CellID: [Int: TrialResult]] = [:]

  init(ordering: TrialOrdering) {
    self.ordering = ordering
  }

  var isEmpty: Bool { pending.values.allSatisfy(\.isEmpty) }
  var count: Int { pending.values.reduce(0) { $0 + $1.count } }

  mutating func append(_ spec: TrialSpec) {
    if pending[spec.cell] == nil {
      cells.append(spec.cell)
      pending[spec.cell] = []
    }
    pending[spec.cell, default: []].append(spec)
    if ordering == .plan { planOrder.append(spec) }
  }

  /// Learns a finished result, for ranking later picks.
  mutating func learn(_ spec: TrialSpec, _ result: TrialResult) {
    known[spec.cell, default: [:]][spec.index] = result
  }

  /// Removes and returns the next trial to start.
  mutating func next() -> TrialSpec? {
    if ordering == .plan {
      guard !planOrder.isEmpty else { return nil }
      let spec = planOrder.removeFirst()
      pending[spec.cell]?.removeAll { $0.key == spec.key }
      return spec
    }
    guard !cells.isEmpty else { return nil }
    for offset in 0..<cells.count {
      let cell = cells[(nextCell + offset) % cells.count]
      guard let specs = pending[cell], !specs.isEmpty else { continue }
      if ordering == .roundRobin {
        nextCell = (nextCell + offset + 1) % cells.count
        return pending[cell]?.remove(at: 0)
      }
      // Informed: finish a cell before the next, so each cell is ranked on complete results of
      // the cells before it (the batch-size ladder, in plan order).
      nextCell = (nextCell + offset) % cells.count
      let chosen = bestPredicted(in: cell, specs)
      return pending[cell]?.remove(at: chosen)
    }
    return nil
  }

  /// The position in `specs` of the trial most likely to reach the goal soonest.
  private func bestPredicted(in cell: CellID, _ specs: [TrialSpec]) -> Int {
    let neighbours = neighbourCells(of: cell)
    var best = 0
    var bestScore = (Double.infinity, Int.max)
    for (position, spec) in specs.enumerated() {
      let score = (predictedScore(index: spec.index, neighbours: neighbours), spec.index)
      if score < bestScore {
        bestScore = score
        best = position
      }
    }
    return best
  }

  /// Cells with results, nearest first: the same optimizer and sparsity by batch-size distance
  /// (in doublings), then the same optimizer at other sparsities.
  private func neighbourCells(of cell: CellID) -> [CellID] {
    func distance(_ other: CellID) -> Double {
      let doublings = abs(log2(Double(other.batchSize) / Double(cell.batchSize)))
      let sparsityPenalty =
        other.sparsity == cell.sparsity ? 0 : 100 + abs(other.sparsity - cell.sparsity)
      return doublings + sparsityPenalty
    }
    return known.keys
      .filter { $0 != cell && $0.optimizer == cell.optimizer && !(known[$0]?.isEmpty ?? true) }
      .sorted { (distance($0), $0) < (distance($1), $1) }
  }

  /// Lower is more promising: a reached trial's steps relative to its cell's best; unknown in
  /// the middle; a trial that never reached (budget, divergence, failure) last.
  private func predictedScore(index: Int, neighbours: [CellID]) -> Double {
    let unknown = 1e6
    for cell in neighbours {
      guard let results = known[cell], let result = results[index] else { continue }
      switch result.state {
      case .reached:
        let cellBest = results.values.compactMap(\.stepsToResult).min() ?? 1
        return Double(result.stepsToResult ?? Int.max) / Double(max(cellBest, 1))
      case .dominated, .planned, .running, .interrupted:
        continue
      case .notReached, .diverged, .failed:
        return unknown * 1000
      }
    }
    return unknown
  }
}
