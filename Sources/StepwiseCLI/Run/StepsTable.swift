import Foundation
import Planning
import ResultsStore
import Scheduling
import WorkloadModel

/// A study's steps-to-result per cell with the trial that attains it: what `run` ends with and
/// what `status` shows.
///
/// Steps-to-result of a cell is the smallest first-goal step over its reached trials (ties go to
/// the lowest trial index), read from the store, so it is the same whichever run produced it.
struct StepsTable: Equatable {
  struct Cell: Equatable {
    var cell: CellID
    /// Trial counts by state (every state present, zeros included).
    var counts: [TrialState: Int]
    var stepsToResult: Int?
    /// The best trial's index and metaparameters; nil while no trial has reached the goal.
    var bestIndex: Int?
    var bestMetaparameters: [Metaparameter: Double]
    var trials: Int
  }

  var cells: [Cell]
  var optimizerNames: [String]

  init(_ table: StudyTable, workload: Workload) {
    var byCell: [CellID: Cell] = [:]
    for i in 0..<table.count {
      let id = table.cells[i]
      var cell =
        byCell[id]
        ?? Cell(
          cell: id, counts: Dictionary(uniqueKeysWithValues: TrialState.allCases.map { ($0, 0) }),
          stepsToResult: nil, bestIndex: nil, bestMetaparameters: [:], trials: 0)
      cell.trials += 1
      cell.counts[table.states[i], default: 0] += 1
      if table.states[i] == .reached, let steps = table.stepsToResult[i] {
        let better =
          cell.stepsToResult.map { steps < $0 || (steps == $0 && table.indices[i] < (cell.bestIndex ?? 0)) }
          ?? true
        if better {
          cell.stepsToResult = steps
          cell.bestIndex = table.indices[i]
          cell.bestMetaparameters = table.metaparameters[i]
        }
      }
      byCell[id] = cell
    }
    cells = byCell.values.sorted { $0.cell < $1.cell }
    optimizerNames = workload.optimizers.map { optimizer in
      optimizer.schedule == .constant
        ? optimizer.kind.rawValue : "\(optimizer.kind.rawValue) \(optimizer.schedule.rawValue)"
    }
  }

  /// Total trials by state over every cell.
  var totals: [TrialState: Int] {
    var totals: [TrialState: Int] = [:]
    for cell in cells { totals.merge(cell.counts, uniquingKeysWith: +) }
    return totals
  }

  /// The table as text: per optimizer, one row per batch size and one column per sparsity, each
  /// entry "steps (lr, momentum)"; "-" for a cell no trial has reached yet, with its trials
  /// still running or planned shown as "…".
  func render() -> String {
    var out = ""
    let optimizers = Set(cells.map(\.cell.optimizer)).sorted()
    for optimizer in optimizers {
      let mine = cells.filter { $0.cell.optimizer == optimizer }
      let sparsities = Set(mine.map(\.cell.sparsity)).sorted()
      let batches = Set(mine.map(\.cell.batchSize)).sorted()
      let name = optimizer < optimizerNames.count ? optimizerNames[optimizer] : "optimizer \(optimizer)"
      out += "steps-to-result (\(name); best trial's learning rate, momentum)\n"
      var rows: [[String]] = [["batch"] + sparsities.map { "sparsity \(Self.percent($0))" }]
      for batch in batches {
        var row = ["\(batch)"]
        for sparsity in sparsities {
          let cell = mine.first { $0.cell.batchSize == batch && $0.cell.sparsity == sparsity }
          row.append(cell.map(Self.entry) ?? "")
        }
        rows.append(row)
      }
      out += Self.align(rows)
    }
    return out
  }

  static func entry(_ cell: Cell) -> String {
    guard let steps = cell.stepsToResult else {
      let open = (cell.counts[.planned] ?? 0) + (cell.counts[.running] ?? 0)
        + (cell.counts[.interrupted] ?? 0)
      return open > 0 ? "… (\(cell.trials - open)/\(cell.trials) done)" : "- (not reached)"
    }
    var parts: [String] = []
    if let rate = cell.bestMetaparameters[.learningRate] { parts.append("lr \(number(rate))") }
    if let momentum = cell.bestMetaparameters[.momentum] { parts.append("m \(number(momentum))") }
    return parts.isEmpty ? "\(steps)" : "\(steps) (\(parts.joined(separator: ", ")))"
  }

  static func percent(_ sparsity: Double) -> String {
    let value = sparsity * 100
    return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
  }

  /// Four significant digits, no exponent for ordinary values.
  static func number(_ value: Double) -> String {
    String(format: "%.4g", value)
  }

  /// The first `leftColumns` columns left-aligned, the others right-aligned, two spaces apart.
  static func align(_ rows: [[String]], leftColumns: Int = 1) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for row in rows {
      for (i, text) in row.enumerated() { widths[i] = max(widths[i], text.count) }
    }
    var out = ""
    for row in rows {
      var line = ""
      for (i, text) in row.enumerated() {
        let pad = String(repeating: " ", count: widths[i] - text.count)
        line += i < leftColumns ? "  " + text + (i == row.count - 1 ? "" : pad) : "  " + pad + text
      }
      out += line + "\n"
    }
    return out
  }
}
