import Primitives
import WorkloadModel

/// What a trial needs after an edit, as a Terraform-style action symbol.
public enum PlanAction: Character, Hashable, Sendable, Codable, CaseIterable {
  /// A trial the old plan did not have: train it.
  case add = "+"
  /// A trial the new plan no longer has: its results are kept, marked orphaned, never deleted.
  case drop = "-"
  /// Same (cell, index), new key, or the same trial moved by an in-place edit of the batch-size
  /// or sparsity list: a different run; `changes` names the fields.
  case change = "~"
  /// Same key: the trial and any stored result are reused.
  case unchanged = "="

  public var name: String {
    switch self {
    case .add: return "add"
    case .drop: return "drop"
    case .change: return "change"
    case .unchanged: return "unchanged"
    }
  }
}

/// How an unchanged trial's stopping rule moved: identity excludes it, so no retraining.
public enum StoppingChange: String, Hashable, Sendable, Codable, CaseIterable {
  /// Goal loosened, or budget lowered: answered from stored curves, nothing to train.
  case analysisOnly = "analysis-only"
  /// Goal tightened, budget raised or give-up rules changed: stored trials continue from their
  /// last checkpoint.
  case extend
}

/// One identity field that differs between the old and new trial at the same (cell, index).
public struct FieldChange: Hashable, Sendable, Codable {
  public var field: String
  public var old: String
  public var new: String

  public init(field: String, old: String, new: String) {
    self.field = field
    self.old = old
    self.new = new
  }
}

public struct TrialChange: Hashable, Sendable, Codable {
  public var action: PlanAction
  public var index: Int
  /// The keys as 32-byte values: a diff of 100,000 trials holds one or two per trial, and a
  /// hex `String` each would be most of its memory. `oldKey` and `newKey` give the text.
  public var oldDigest: TrialDigest?
  public var newDigest: TrialDigest?
  /// For `change`: the identity fields that differ.
  public var fields: [FieldChange]
  /// For `unchanged`: how the stopping rule moved, if it did.
  public var stopping: StoppingChange?
  /// Why the stopping rule change has that class ("goal 0.02 -> 0.03").
  public var reasons: [FieldChange]

  public var oldKey: TrialKey? { oldDigest?.key }
  public var newKey: TrialKey? { newDigest?.key }
}

public struct CellDiff: Hashable, Sendable, Codable {
  public var cell: CellID
  public var optimizer: OptimizerKind
  public var trials: [TrialChange]
}

/// The difference between two plans, as pure data. Trials are matched by address: (cell,
/// index), which stays put when a workload is edited; the key then says whether the trial is the
/// same. A trial whose address is gone pairs with a new one at the same index when the edit
/// replaced its cell's batch size or sparsity in place (`[16, 64]` -> `[16, 128]`). Views
/// (`DiffHumanView`, `DiffJSONView`) render it.
public struct PlanDiff: Hashable, Sendable, Codable {
  public var cells: [CellDiff]
  public var added: Int
  public var dropped: Int
  public var changed: Int
  public var unchanged: Int
  public var analysisOnly: Int
  public var extend: Int

  /// Whether anything differs: a trial to add, drop or change, or a stopping rule that moved.
  public var isEmpty: Bool { added + dropped + changed + analysisOnly + extend == 0 }

  public init(old: ExecutionPlan, new: ExecutionPlan) {
    self.init(old: PlanTable(old), new: PlanTable(new))
  }

  /// The diff of two plan tables: one dictionary entry per old trial, keys compared as 32-byte
  /// values, and field comparisons only for the pairs whose keys differ (shared per point
  /// pair and per cell pair, which is all they depend on).
  public init(old: PlanTable, new: PlanTable) {
    /// A cell, as a small number shared by both plans, and a trial index.
    struct Address: Hashable {
      var cell: Int32
      var index: Int
    }
    var cellNumbers: [CellID: Int32] = [:]
    func number(_ id: CellID) -> Int32 {
      if let n = cellNumbers[id] { return n }
      let n = Int32(cellNumbers.count)
      cellNumbers[id] = n
      return n
    }
    let oldCellNumbers = old.cells.map { number($0.id) }
    let newCellNumbers = new.cells.map { number($0.id) }

    // Old trials by address. A cell whose trials are numbered 0..<n in order (every cell a
    // compiler writes) is looked up by position; only other cells go through a dictionary.
    var runs = [Int](repeating: 0, count: cellNumbers.count)
    for n in oldCellNumbers { runs[Int(n)] += 1 }
    var denseOld = [Range<Int>?](repeating: nil, count: cellNumbers.count)
    var oldByAddress: [Address: Int] = [:]
    for (c, cell) in old.cells.enumerated() {
      let n = oldCellNumbers[c]
      let dense = cell.trials.allSatisfy { old.trials[$0].index == $0 - cell.trials.lowerBound }
      if runs[Int(n)] == 1, dense {
        denseOld[Int(n)] = cell.trials
        continue
      }
      for i in cell.trials {
        oldByAddress[Address(cell: n, index: old.trials[i].index)] = i
      }
    }
    func oldRow(_ address: Address) -> Int? {
      if let rows = denseOld[Int(address.cell)] {
        return address.index >= 0 && address.index < rows.count
          ? rows.lowerBound + address.index : nil
      }
      return oldByAddress[address]
    }
    var matched = [Bool](repeating: false, count: old.trials.count)
    var fields = FieldComparer(old: old, new: new)

    // Changes gathered per cell (by its shared number), sorted at the end.
    var byCell: [Int32: CellDiff] = [:]
    func record(_ change: TrialChange, cell: CellID, optimizer: OptimizerKind, number: Int32) {
      byCell[number, default: CellDiff(cell: cell, optimizer: optimizer, trials: [])].trials
        .append(change)
    }
    func optimizerKind(_ plan: PlanTable, _ cell: CellID) -> OptimizerKind {
      plan.workload.optimizers[cell.optimizer].kind
    }

    var counts = (added: 0, dropped: 0, changed: 0, unchanged: 0, analysis: 0, extend: 0)
    /// New trials with no old trial at their address, by address: an edited batch size or
    /// sparsity may still pair them with a dropped trial below.
    var unmatchedNew: [Address: Int] = [:]
    let goalClass = Self.goalChange(old.workload.goal, new.workload.goal)
    let giveUpMoved = old.workload.budget.giveUp != new.workload.budget.giveUp
    /// The stopping class of the last (old cell, new cell) pair: it depends on nothing else.
    var stoppingCache = (
      old: Int32(-1), new: Int32(-1), stopping: StoppingChange?.none, reasons: [FieldChange]()
    )
    for (c, cell) in new.cells.enumerated() {
      let number = newCellNumbers[c]
      let kind = optimizerKind(new, cell.id)
      for j in cell.trials {
        let t = new.trials[j]
        let address = Address(cell: number, index: t.index)
        guard let i = oldRow(address) else {
          unmatchedNew[address] = j
          continue
        }
        matched[i] = true
        let o = old.trials[i]
        if o.key != t.key {
          counts.changed += 1
          record(
            TrialChange(
              action: .change, index: t.index, oldDigest: o.key, newDigest: t.key,
              fields: fields.changes(old: i, new: j), stopping: nil, reasons: []),
            cell: cell.id, optimizer: kind, number: number)
          continue
        }
        counts.unchanged += 1
        if stoppingCache.old != o.cell || stoppingCache.new != Int32(c) {
          var reasons: [FieldChange] = []
          var stopping: StoppingChange?
          if let (kind, reason) = goalClass {
            stopping = kind
            reasons.append(reason)
          }
          let oldSteps = old.cells[Int(o.cell)].maxSteps
          if oldSteps != cell.maxSteps {
            let kind: StoppingChange = cell.maxSteps > oldSteps ? .extend : .analysisOnly
            if stopping != .extend { stopping = kind }
            reasons.append(
              FieldChange(field: "max_steps", old: "\(oldSteps)", new: "\(cell.maxSteps)"))
          }
          if giveUpMoved {
            stopping = .extend
            reasons.append(
              FieldChange(
                field: "give_up", old: Self.describe(old.workload.budget.giveUp),
                new: Self.describe(new.workload.budget.giveUp)))
          }
          stoppingCache = (o.cell, Int32(c), stopping, reasons)
        }
        let stopping = stoppingCache.stopping
        if stopping == .extend { counts.extend += 1 }
        if stopping == .analysisOnly { counts.analysis += 1 }
        record(
          TrialChange(
            action: .unchanged, index: t.index, oldDigest: o.key, newDigest: t.key, fields: [],
            stopping: stopping, reasons: stoppingCache.reasons),
          cell: cell.id, optimizer: kind, number: number)
      }
    }
    let batchSizes = Self.edits(
      old.workload.study.batchSizes.map(\.value), new.workload.study.batchSizes.map(\.value))
    let sparsities = Self.edits(
      old.workload.study.sparsities.map(\.value), new.workload.study.sparsities.map(\.value))
    var paired = Set<Int>()
    for (c, cell) in old.cells.enumerated() {
      var target = cell.id
      if let b = batchSizes[cell.id.batchSize] {
        target.batchSize = b
      } else if let s = sparsities[cell.id.sparsity] {
        target.sparsity = s
      }
      let targetNumber = target != cell.id ? cellNumbers[target] : nil
      let kind = optimizerKind(old, cell.id)
      for i in cell.trials where !matched[i] {
        let o = old.trials[i]
        if let targetNumber,
          let j = unmatchedNew[Address(cell: targetNumber, index: o.index)],
          paired.insert(j).inserted
        {
          let t = new.trials[j]
          let newCell = new.cells[Int(t.cell)].id
          counts.changed += 1
          record(
            TrialChange(
              action: .change, index: t.index, oldDigest: o.key, newDigest: t.key,
              fields: fields.changes(old: i, new: j), stopping: nil, reasons: []),
            cell: newCell, optimizer: optimizerKind(new, newCell), number: targetNumber)
          continue
        }
        counts.dropped += 1
        record(
          TrialChange(
            action: .drop, index: o.index, oldDigest: o.key, newDigest: nil, fields: [],
            stopping: nil, reasons: []),
          cell: cell.id, optimizer: kind, number: oldCellNumbers[c])
      }
    }
    for j in unmatchedNew.values.sorted() where !paired.contains(j) {
      let t = new.trials[j]
      let cell = new.cells[Int(t.cell)].id
      counts.added += 1
      record(
        TrialChange(
          action: .add, index: t.index, oldDigest: nil, newDigest: t.key, fields: [],
          stopping: nil, reasons: []),
        cell: cell, optimizer: optimizerKind(new, cell), number: newCellNumbers[Int(t.cell)])
    }
    var cells = Array(byCell.values)
    cells.sort { $0.cell < $1.cell }
    for c in cells.indices {
      let inOrder: (TrialChange, TrialChange) -> Bool = {
        ($0.index, $0.action.rawValue) < ($1.index, $1.action.rawValue)
      }
      // Nearly always in order already (trials are visited in index order).
      if !zip(cells[c].trials, cells[c].trials.dropFirst()).allSatisfy({ !inOrder($1, $0) }) {
        cells[c].trials.sort(by: inOrder)
      }
    }
    self.cells = cells
    self.added = counts.added
    self.dropped = counts.dropped
    self.changed = counts.changed
    self.unchanged = counts.unchanged
    self.analysisOnly = counts.analysis
    self.extend = counts.extend
  }

  /// The one-line summary: `12 to add, 0 to change, 4 to drop, 384 unchanged`, then the stopping
  /// classes when there are any.
  public var summaryLine: String {
    var line = "\(added) to add, \(changed) to change, \(dropped) to drop, \(unchanged) unchanged"
    if extend > 0 { line += " (\(extend) to extend)" }
    if analysisOnly > 0 { line += " (\(analysisOnly) analysis-only)" }
    return line
  }

  // MARK: Classification

  /// The values a list edit replaced in place: at each position both lists have, an old value
  /// the new list no longer holds becomes the new value the old list did not hold
  /// (`batch_sizes: [64]` -> `[128]` maps 64 to 128). Trials of the old value then pair with
  /// the trials of the new one as changed (`batch_size 64 -> 128`) rather than as drops and adds.
  static func edits<T: Hashable>(_ old: [T], _ new: [T]) -> [T: T] {
    let oldSet = Set(old)
    let newSet = Set(new)
    var out: [T: T] = [:]
    var targets = Set<T>()
    for (a, b) in zip(old, new) where a != b && !newSet.contains(a) && !oldSet.contains(b) {
      guard out[a] == nil, targets.insert(b).inserted else { continue }
      out[a] = b
    }
    return out
  }

  /// A looser goal is met by every curve that met the old one: analysis only. A tighter goal
  /// needs trials that stopped at the old goal to go on: extend.
  static func goalChange(_ old: Goal, _ new: Goal) -> (StoppingChange, FieldChange)? {
    guard old != new else { return nil }
    let reason = FieldChange(field: "goal", old: describe(old), new: describe(new))
    guard old.metric == new.metric else { return (.extend, reason) }
    // Every metric is an error: smaller is better, so a higher threshold is looser.
    let looser: Bool
    if new.threshold != old.threshold {
      looser = new.threshold > old.threshold
    } else {
      looser = new.comparison == .atMost
    }
    return (looser ? .analysisOnly : .extend, reason)
  }

  static func describe(_ goal: Goal) -> String {
    "\(goal.metric.rawValue) \(goal.comparison.rawValue) \(CanonicalJSON.format(goal.threshold))"
  }

  static func describe(_ rules: [GiveUpRule]) -> String {
    rules.isEmpty
      ? "none"
      : rules.map { "above \(CanonicalJSON.format($0.above)) at step \($0.step)" }
        .joined(separator: ", ")
  }
}
