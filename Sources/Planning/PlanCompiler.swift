import StepwiseDiagnostics
import WorkloadModel

/// Lowers a checked `Workload` into an `ExecutionPlan`: the cells (optimizer x sparsity x batch
/// size), `study.trials` trials per cell, and the pruning masks they share.
///
/// The design is Lee et al.'s paired one: trial i of every cell has the same init seed, hence the
/// same weights and (per sparsity) the same mask, and the same quasi-random point i, so cells
/// differ only in what the study varies. The compiler never throws for bad input; it returns
/// every plan-time diagnostic (checks a schema cannot express, such as a batch size that the
/// data-parallel workers cannot split) and a plan only when there is no error.
public struct PlanCompiler: Sendable {
  /// Digest of the dataset's contents (pinned or computed by the caller, which owns the files).
  public var datasetDigest: String
  public var trainerVersion: Int
  /// Where diagnostics point when a value carries no source range (workloads built in code).
  public var sourcePath: String

  public init(
    datasetDigest: String, trainerVersion: Int = TrialIdentity.defaultTrainerVersion,
    sourcePath: String = "<workload>"
  ) {
    self.datasetDigest = datasetDigest
    self.trainerVersion = trainerVersion
    self.sourcePath = sourcePath
  }

  public func compile(_ workload: Workload) -> (ExecutionPlan?, [Diagnostic]) {
    var bag = DiagnosticBag()
    check(workload, into: &bag)
    if bag.hasErrors { return (nil, bag.sorted) }
    return (lower(workload).executionPlan(), bag.sorted)
  }

  // MARK: Checks

  private var fileStart: SourceRange {
    let start = SourcePosition(line: 1, column: 1, offset: 0)
    return SourceRange(path: sourcePath, start: start, end: start)
  }

  private func check(_ workload: Workload, into bag: inout DiagnosticBag) {
    let study = workload.study
    let examples = workload.dataset.trainingExamples
    if study.trials < 1 {
      bag.append(.warning("plan.no-trials", "the study has no trials", at: fileStart))
    }
    if case .sobol(let skip) = study.sequence, skip < 0 || skip + study.trials > 1 << 30 {
      bag.append(.error("plan.sobol-range", Message.sobolRange(skip, study.trials), at: fileStart))
    }
    for (o, optimizer) in workload.optimizers.enumerated() {
      let needed = optimizer.kind.metaparameters + optimizer.schedule.metaparameters
      for name in needed where optimizer.metaparameters[name] == nil {
        bag.append(
          .error(
            "plan.unset-metaparameter", Message.unset(name, optimizer: o), at: fileStart))
      }
      let dimensions = optimizer.searchDimensions.count
      let available = QuasiRandomPoints.maxDimensions(study.sequence)
      if dimensions > available {
        bag.append(
          .error(
            "plan.too-many-dimensions", Message.dimensions(dimensions, available),
            detail: "fix some metaparameters to a single value", at: fileStart))
      }
    }
    for batch in study.batchSizes {
      let range = batch.range ?? fileStart
      let b = batch.value
      if let workers = workload.execution.workers, workers > 0, b % workers != 0 {
        bag.append(
          .error(
            "plan.batch-size-not-divisible", Message.notDivisible(b, workers),
            detail: "use a batch size that is a multiple of \(workers), or change the workers",
            at: range))
      }
      if b > examples {
        bag.append(
          .error(
            "plan.batch-exceeds-training-split", Message.exceeds(b, examples),
            detail: "drop this batch size or lower the validation holdout", at: range))
      }
      let steps = workload.budget.steps(batchSize: b, trainingExamples: examples)
      let firstEvaluation = workload.evaluation.cadence(batchSize: b).firstStep
      if steps < firstEvaluation {
        bag.append(
          .error(
            "plan.budget-below-evaluation-interval",
            Message.budget(steps, b, firstEvaluation),
            detail: "no evaluation would ever run; raise the budget or evaluate more often",
            at: range))
      }
    }
    if workload.study.pruning.method == .none {
      for sparsity in study.sparsities where sparsity.value != 0 {
        bag.append(
          .error(
            "plan.sparsity-without-pruning", Message.noPruning(sparsity.value),
            detail: "choose a pruning method or keep only sparsity 0",
            at: sparsity.range ?? fileStart))
      }
    }
  }

  // MARK: Lowering

  /// The plan as a table (`PlanTable`), without spelling out a `TrialSpec` per trial: what
  /// `diff` needs, and what `compile` expands.
  public func compileTable(_ workload: Workload) -> (PlanTable?, [Diagnostic]) {
    var bag = DiagnosticBag()
    check(workload, into: &bag)
    if bag.hasErrors { return (nil, bag.sorted) }
    return (lower(workload), bag.sorted)
  }

  private func lower(_ workload: Workload) -> PlanTable {
    let study = workload.study
    let context = TrialIdentity.Context(
      dataset: workload.dataset, datasetDigest: datasetDigest, model: workload.model,
      trainerVersion: trainerVersion)
    let trials = max(0, study.trials)
    let initSeeds = (0..<trials).map { SeedDerivation.initSeed(studySeed: study.seed, trial: $0) }
    let dataSeed = SeedDerivation.dataSeed(studySeed: study.seed)
    let examples = workload.dataset.trainingExamples

    // Point (optimizer o, trial i) is at o * trials + i: trial i of every cell of an optimizer
    // has the same resolved metaparameters and seeds (the paired design).
    var points: [PlanTable.Point] = []
    points.reserveCapacity(workload.optimizers.count * trials)
    for optimizer in workload.optimizers {
      let dimensions = optimizer.searchDimensions
      let sequence = QuasiRandomPoints(study.sequence, dimensions: dimensions.count)
      for i in 0..<trials {
        let u = sequence.point(trial: i)
        var resolved: [Metaparameter: Double] = [:]
        for (name, setting) in optimizer.metaparameters {
          if case .fixed(let v) = setting { resolved[name] = v }
        }
        for (d, (name, dimension)) in dimensions.enumerated() {
          resolved[name] = SearchSpaceMapping.value(dimension, at: u[d])
        }
        points.append(
          PlanTable.Point(initSeed: initSeeds[i], dataSeed: dataSeed, metaparameters: resolved))
      }
    }

    // One mask per (sparsity > 0, trial): shared by every batch size and optimizer. Mask
    // (sparsity s, trial i) is at maskStart[s] + i.
    var masks = MaskKeyWriter(context, method: TrialIdentity.pruningMethod(study.pruning))
    var nodes: [PruningNode] = []
    var maskDigests: [TrialDigest] = []
    var maskStart: [Double: Int] = [:]
    let sparsities = Set(study.sparsities.map(\.value)).sorted()
    for sparsity in sparsities where sparsity != 0 {
      maskStart[sparsity] = nodes.count
      for seed in initSeeds {
        let digest = masks.key(sparsity: sparsity, initSeed: seed)
        maskDigests.append(digest)
        nodes.append(
          PruningNode(key: digest.key, method: study.pruning, sparsity: sparsity, initSeed: seed))
      }
    }

    var cellIDs: [CellID] = []
    for o in workload.optimizers.indices {
      for sparsity in sparsities {
        for b in Set(study.batchSizes.map(\.value)) {
          cellIDs.append(CellID(optimizer: o, batchSize: b, sparsity: sparsity))
        }
      }
    }
    cellIDs.sort()

    var writer = CadenceKeyWriter(
      context, evaluation: workload.evaluation,
      points: points.map {
        ($0.dataSeed, $0.initSeed, PlanTable.metaparameterBytes($0.metaparameters))
      })
    let maskBytes = maskDigests.map(TrialKeyWriter.pruning)
    var cells: [PlanTable.Cell] = []
    cells.reserveCapacity(cellIDs.count)
    var rows: [PlanTable.Trial] = []
    rows.reserveCapacity(cellIDs.count * trials)
    for id in cellIDs {
      let optimizer = workload.optimizers[id.optimizer]
      let maxSteps = workload.budget.steps(batchSize: id.batchSize, trainingExamples: examples)
      writer.cell(
        batchSize: id.batchSize, optimizer: optimizer.kind, schedule: optimizer.schedule,
        sparsity: id.sparsity)
      let cell = Int32(cells.count)
      cells.append(PlanTable.Cell(id: id, maxSteps: maxSteps, trials: rows.count..<rows.count + trials))
      for i in 0..<trials {
        let p = id.optimizer * trials + i
        let mask = maskStart[id.sparsity].map { $0 + i }
        let key = writer.key(point: p, pruning: mask.map { maskBytes[$0] })
        rows.append(
          PlanTable.Trial(
            key: key, index: i, point: Int32(p), mask: Int32(mask ?? -1), cell: cell))
      }
    }
    return PlanTable(
      workload: workload, datasetDigest: datasetDigest, trainerVersion: trainerVersion,
      pruningNodes: nodes, points: points, cells: cells, trials: rows)
  }
}

/// The compiler's messages, beside the checks that emit them.
private enum Message {
  static func sobolRange(_ skip: Int, _ trials: Int) -> String {
    "sobol points \(skip) to \(skip + trials) are outside the sequence's 2^30 points"
  }
  static func unset(_ name: Metaparameter, optimizer: Int) -> String {
    "metaparameter '\(name.rawValue)' of optimizer \(optimizer + 1) is neither fixed nor searched"
  }
  static func dimensions(_ count: Int, _ available: Int) -> String {
    "\(count) searched metaparameters exceed the sequence's \(available) dimensions"
  }
  static func notDivisible(_ batch: Int, _ workers: Int) -> String {
    "batch size \(batch) is not divisible by \(workers) workers"
  }
  static func exceeds(_ batch: Int, _ examples: Int) -> String {
    "batch size \(batch) exceeds the \(examples) training examples"
  }
  static func budget(_ steps: Int, _ batch: Int, _ every: Int) -> String {
    "step budget of \(steps) at batch size \(batch) is below the evaluation interval of \(every)"
  }
  static func noPruning(_ sparsity: Double) -> String {
    "sparsity \(sparsity) needs a pruning method, but pruning is 'none'"
  }
}
