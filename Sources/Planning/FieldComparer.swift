import Primitives
import WorkloadModel

/// The identity fields that differ between two trials with different keys, named as in the
/// workload file, for `PlanDiff`'s `~` lines.
///
/// A trial's identity is its plan's dataset, model and versions, its cell's optimizer, batch
/// size and sparsity, its point's metaparameters and seeds, and its mask. Each part is compared
/// once per pair of plans, cells or points and the lists are joined per trial, so a diff where
/// every one of 100,000 trials changed (a moved search bound) compares 667 point pairs, not
/// 100,000 trial pairs. The order is fixed: dataset, model, optimizer, metaparameters,
/// batch size, sparsity, pruning, seeds, evaluation, trainer version.
struct FieldComparer {
  let old: PlanTable
  let new: PlanTable
  private let datasetAndModel: [FieldChange]
  private let versions: [FieldChange]
  private var optimizers: [Int: [FieldChange]] = [:]
  private var cells: [Int: [FieldChange]] = [:]
  private var points: [Int: (values: [FieldChange], seeds: [FieldChange])] = [:]

  init(old: PlanTable, new: PlanTable) {
    self.old = old
    self.new = new
    var out: [FieldChange] = []
    func add(_ field: String, _ a: String, _ b: String) {
      if a != b { out.append(FieldChange(field: field, old: a, new: b)) }
    }
    let o = old.workload.dataset
    let n = new.workload.dataset
    add("dataset.name", o.name.rawValue, n.name.rawValue)
    add("dataset.validation.holdout", "\(o.validation.holdout)", "\(n.validation.holdout)")
    add("dataset.validation.seed", "\(o.validation.seed)", "\(n.validation.seed)")
    add("dataset.normalize", o.normalization.rawValue, n.normalization.rawValue)
    add("dataset.digest", old.datasetDigest, new.datasetDigest)
    let om = old.workload.model
    let nm = new.workload.model
    add("model.architecture", om.architecture.name, nm.architecture.name)
    if om.architecture.name == nm.architecture.name, om.architecture != nm.architecture {
      add("model.layers", "old layer list", "new layer list")
    }
    if om.initializer != nm.initializer {
      add("model.init", TrialIdentity.model(om).text, TrialIdentity.model(nm).text)
    }
    datasetAndModel = out
    out = []
    add(
      "evaluation.every_steps", "\(old.workload.evaluation.everySteps)",
      "\(new.workload.evaluation.everySteps)")
    add(
      "evaluation.growth", old.workload.evaluation.growth.map { "\($0)" } ?? "none",
      new.workload.evaluation.growth.map { "\($0)" } ?? "none")
    add(
      "evaluation.overrides", Self.describe(old.workload.evaluation.overrides),
      Self.describe(new.workload.evaluation.overrides))
    add("trainer_version", "\(old.trainerVersion)", "\(new.trainerVersion)")
    versions = out
  }

  /// The fields that differ between trial `old` (a row of the old table) and trial `new`.
  mutating func changes(old i: Int, new j: Int) -> [FieldChange] {
    let o = old.trials[i]
    let n = new.trials[j]
    let oldCell = old.cells[Int(o.cell)].id
    let newCell = new.cells[Int(n.cell)].id
    let point = pointChanges(Int(o.point), Int(n.point))
    var out = datasetAndModel
    out += optimizerChanges(oldCell.optimizer, newCell.optimizer)
    out += point.values
    out += cellChanges(Int(o.cell), Int(n.cell))
    let oldMethod = o.mask < 0 ? nil : old.pruningNodes[Int(o.mask)].method
    let newMethod = n.mask < 0 ? nil : new.pruningNodes[Int(n.mask)].method
    if oldMethod != newMethod {
      out.append(
        FieldChange(
          field: "pruning", old: oldMethod.map { TrialIdentity.pruningMethod($0).text } ?? "none",
          new: newMethod.map { TrialIdentity.pruningMethod($0).text } ?? "none"))
    }
    out += point.seeds
    out += versions
    if out.isEmpty { out.append(FieldChange(field: "key_encoding", old: "", new: "")) }
    return out
  }

  private mutating func optimizerChanges(_ a: Int, _ b: Int) -> [FieldChange] {
    let id = a << 32 | b
    if let known = optimizers[id] { return known }
    let o = old.workload.optimizers[a]
    let n = new.workload.optimizers[b]
    var out: [FieldChange] = []
    if o.kind != n.kind {
      out.append(FieldChange(field: "optimizer.kind", old: o.kind.rawValue, new: n.kind.rawValue))
    }
    if o.schedule != n.schedule {
      out.append(
        FieldChange(
          field: "optimizer.schedule", old: o.schedule.rawValue, new: n.schedule.rawValue))
    }
    optimizers[id] = out
    return out
  }

  private mutating func cellChanges(_ a: Int, _ b: Int) -> [FieldChange] {
    let id = a << 32 | b
    if let known = cells[id] { return known }
    let o = old.cells[a].id
    let n = new.cells[b].id
    var out: [FieldChange] = []
    if o.batchSize != n.batchSize {
      out.append(FieldChange(field: "batch_size", old: "\(o.batchSize)", new: "\(n.batchSize)"))
    }
    let f = CanonicalJSON.format
    if f(o.sparsity) != f(n.sparsity) {
      out.append(FieldChange(field: "sparsity", old: f(o.sparsity), new: f(n.sparsity)))
    }
    cells[id] = out
    return out
  }

  private mutating func pointChanges(_ a: Int, _ b: Int) -> (
    values: [FieldChange], seeds: [FieldChange]
  ) {
    let id = a << 32 | b
    if let known = points[id] { return known }
    let o = old.points[a]
    let n = new.points[b]
    let f = CanonicalJSON.format
    var values: [FieldChange] = []
    for name in Set(o.metaparameters.keys).union(n.metaparameters.keys).sorted() {
      let before = o.metaparameters[name].map(f) ?? "unset"
      let after = n.metaparameters[name].map(f) ?? "unset"
      if before != after {
        values.append(FieldChange(field: name.rawValue, old: before, new: after))
      }
    }
    var seeds: [FieldChange] = []
    if o.initSeed != n.initSeed {
      seeds.append(FieldChange(field: "init_seed", old: "\(o.initSeed)", new: "\(n.initSeed)"))
    }
    if o.dataSeed != n.dataSeed {
      seeds.append(FieldChange(field: "data_seed", old: "\(o.dataSeed)", new: "\(n.dataSeed)"))
    }
    points[id] = (values, seeds)
    return (values, seeds)
  }

  /// `{4: 400, 16: 100}`, sorted by batch size; `none` when empty.
  static func describe(_ overrides: [Int: Int]) -> String {
    guard !overrides.isEmpty else { return "none" }
    return "{"
      + overrides.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
      .joined(separator: ", ") + "}"
  }
}
