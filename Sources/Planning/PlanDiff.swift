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
  public var oldKey: TrialKey?
  public var newKey: TrialKey?
  /// For `change`: the identity fields that differ.
  public var fields: [FieldChange]
  /// For `unchanged`: how the stopping rule moved, if it did.
  public var stopping: StoppingChange?
  /// Why the stopping rule change has that class ("goal 0.02 -> 0.03").
  public var reasons: [FieldChange]
}

public struct CellDiff: Hashable, Sendable, Codable {
  public var cell: CellID
  public var optimizer: OptimizerKind
  public var trials: [TrialChange]
}

/// The difference between two plans, as pure data: trials are matched by (cell, index), the
/// address that stays put when a workload is edited; the key says whether the trial is the same.
/// Views (`DiffHumanView`, `DiffJSONView`) render it.
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
    struct Address: Hashable {
      var cell: CellID
      var index: Int
    }
    var oldByAddress: [Address: Int] = [:]
    oldByAddress.reserveCapacity(old.trials.count)
    for (i, t) in old.trials.enumerated() {
      oldByAddress[Address(cell: t.cell, index: t.index)] = i
    }
    var matched = [Bool](repeating: false, count: old.trials.count)
    var byCell: [CellID: CellDiff] = [:]
    let goalClass = Self.goalChange(old.workload.goal, new.workload.goal)

    func record(_ change: TrialChange, _ trial: TrialSpec) {
      if byCell[trial.cell] == nil {
        byCell[trial.cell] = CellDiff(cell: trial.cell, optimizer: trial.optimizer, trials: [])
      }
      byCell[trial.cell]?.trials.append(change)
    }

    var counts = (added: 0, dropped: 0, changed: 0, unchanged: 0, analysis: 0, extend: 0)
    /// New trials with no old trial at their address, by address: an edited batch size or
    /// sparsity may still pair them with a dropped trial below.
    var unmatchedNew: [Address: Int] = [:]
    for (j, t) in new.trials.enumerated() {
      guard let i = oldByAddress[Address(cell: t.cell, index: t.index)] else {
        unmatchedNew[Address(cell: t.cell, index: t.index)] = j
        continue
      }
      matched[i] = true
      let o = old.trials[i]
      if o.key != t.key {
        counts.changed += 1
        record(
          TrialChange(
            action: .change, index: t.index, oldKey: o.key, newKey: t.key,
            fields: Self.fieldChanges(o, t), stopping: nil, reasons: []), t)
        continue
      }
      counts.unchanged += 1
      var reasons: [FieldChange] = []
      var stopping: StoppingChange?
      if let (kind, reason) = goalClass {
        stopping = kind
        reasons.append(reason)
      }
      if o.maxSteps != t.maxSteps {
        let kind: StoppingChange = t.maxSteps > o.maxSteps ? .extend : .analysisOnly
        if stopping != .extend { stopping = kind }
        reasons.append(FieldChange(field: "max_steps", old: "\(o.maxSteps)", new: "\(t.maxSteps)"))
      }
      if o.giveUp != t.giveUp {
        stopping = .extend
        reasons.append(
          FieldChange(field: "give_up", old: Self.describe(o.giveUp), new: Self.describe(t.giveUp)))
      }
      if stopping == .extend { counts.extend += 1 }
      if stopping == .analysisOnly { counts.analysis += 1 }
      record(
        TrialChange(
          action: .unchanged, index: t.index, oldKey: o.key, newKey: t.key, fields: [],
          stopping: stopping, reasons: reasons), t)
    }
    let batchSizes = Self.edits(
      old.workload.study.batchSizes.map(\.value), new.workload.study.batchSizes.map(\.value))
    let sparsities = Self.edits(
      old.workload.study.sparsities.map(\.value), new.workload.study.sparsities.map(\.value))
    var paired = Set<Int>()
    for (i, o) in old.trials.enumerated() where !matched[i] {
      var target = o.cell
      if let b = batchSizes[o.cell.batchSize] {
        target.batchSize = b
      } else if let s = sparsities[o.cell.sparsity] {
        target.sparsity = s
      }
      if target != o.cell, let j = unmatchedNew[Address(cell: target, index: o.index)],
        paired.insert(j).inserted
      {
        let t = new.trials[j]
        counts.changed += 1
        record(
          TrialChange(
            action: .change, index: t.index, oldKey: o.key, newKey: t.key,
            fields: Self.fieldChanges(o, t), stopping: nil, reasons: []), t)
        continue
      }
      counts.dropped += 1
      record(
        TrialChange(
          action: .drop, index: o.index, oldKey: o.key, newKey: nil, fields: [], stopping: nil,
          reasons: []), o)
    }
    for j in unmatchedNew.values.sorted() where !paired.contains(j) {
      let t = new.trials[j]
      counts.added += 1
      record(
        TrialChange(
          action: .add, index: t.index, oldKey: nil, newKey: t.key, fields: [], stopping: nil,
          reasons: []), t)
    }
    var cells = Array(byCell.values)
    cells.sort { $0.cell < $1.cell }
    for c in cells.indices {
      cells[c].trials.sort { ($0.index, $0.action.rawValue) < ($1.index, $1.action.rawValue) }
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

  /// The identity fields that differ, named as in the workload file.
  static func fieldChanges(_ o: TrialSpec, _ n: TrialSpec) -> [FieldChange] {
    var out: [FieldChange] = []
    func add(_ field: String, _ a: String, _ b: String) {
      if a != b { out.append(FieldChange(field: field, old: a, new: b)) }
    }
    let f = CanonicalJSON.format
    add("dataset.name", o.dataset.name.rawValue, n.dataset.name.rawValue)
    add(
      "dataset.validation.holdout", "\(o.dataset.validation.holdout)",
      "\(n.dataset.validation.holdout)")
    add("dataset.validation.seed", "\(o.dataset.validation.seed)", "\(n.dataset.validation.seed)")
    add("dataset.normalize", o.dataset.normalization.rawValue, n.dataset.normalization.rawValue)
    add("dataset.digest", o.datasetDigest, n.datasetDigest)
    add("model.architecture", o.model.architecture.name, n.model.architecture.name)
    if o.model.architecture.name == n.model.architecture.name,
      o.model.architecture != n.model.architecture
    {
      add("model.layers", "old layer list", "new layer list")
    }
    if o.model.initializer != n.model.initializer {
      add("model.init", TrialIdentity.model(o.model).text, TrialIdentity.model(n.model).text)
    }
    add("optimizer.kind", o.optimizer.rawValue, n.optimizer.rawValue)
    add("optimizer.schedule", o.schedule.rawValue, n.schedule.rawValue)
    for name in Set(o.metaparameters.keys).union(n.metaparameters.keys).sorted() {
      add(
        name.rawValue, o.metaparameters[name].map(f) ?? "unset",
        n.metaparameters[name].map(f) ?? "unset")
    }
    add("batch_size", "\(o.batchSize)", "\(n.batchSize)")
    add("sparsity", f(o.sparsity), f(n.sparsity))
    if o.pruning?.method != n.pruning?.method {
      add(
        "pruning", o.pruning.map { TrialIdentity.pruningMethod($0.method).text } ?? "none",
        n.pruning.map { TrialIdentity.pruningMethod($0.method).text } ?? "none")
    }
    add("init_seed", "\(o.initSeed)", "\(n.initSeed)")
    add("data_seed", "\(o.dataSeed)", "\(n.dataSeed)")
    add("evaluation.every_steps", "\(o.evaluationEverySteps)", "\(n.evaluationEverySteps)")
    add("trainer_version", "\(o.trainerVersion)", "\(n.trainerVersion)")
    if out.isEmpty { out.append(FieldChange(field: "key_encoding", old: "", new: "")) }
    return out
  }
}
