import Planning
import ResultsStore
import Scheduling
import WorkloadModel

extension StudyResults {
  /// The analysis input from a store's bulk read (`ResultsStore.readStudy`) and the workload the
  /// study was planned from: trials grouped into cells by `CellID`, each optimizer named from
  /// `workload.optimizers[cell.optimizer]`, curves sliced out of the table's flat arrays.
  ///
  /// `masks` comes from `ResultsStore.maskDensities()`; pass only the study's sparsities' masks, or
  /// all of them for a store that holds one study.
  public init(
    table: StudyTable, workload: Workload, masks: [MaskDensity] = []
  ) {
    var order: [CellID] = []
    var byCell: [CellID: [TrialResult]] = [:]
    for i in 0..<table.count {
      let cell = table.cells[i]
      if byCell[cell] == nil { order.append(cell) }
      let range = table.curveRange(i)
      // Counts for the whole curve or not at all: a curve migrated from a store where some
      // error was not an exact fraction is compared on its stored errors.
      let counted =
        table.wrong.count == table.steps.count && table.examplesSeen.count == table.steps.count
        && table.examplesTotal.count == table.steps.count
        && range.allSatisfy { table.examplesTotal[$0] > 0 && table.wrong[$0] >= 0 }
      let curve = EvaluationCurve(
        steps: table.steps[range].map { Int($0) },
        validationError: Array(table.validationError[range]),
        validationLoss: Array(table.validationLoss[range]),
        wrong: counted ? table.wrong[range].map { Int($0) } : nil,
        examplesSeen: counted ? table.examplesSeen[range].map { Int($0) } : nil,
        examplesTotal: counted ? table.examplesTotal[range].map { Int($0) } : nil)
      var metaparameters: [String: Double] = [:]
      for (name, value) in table.metaparameters[i] { metaparameters[name.rawValue] = value }
      byCell[cell, default: []].append(
        TrialResult(
          index: table.indices[i], key: table.keys[i].hex,
          state: table.states[i], metaparameters: metaparameters,
          curve: curve, stepsRun: table.stepsRun[i], maxSteps: table.maxSteps[i]))
    }
    let names = Self.optimizerNames(workload.optimizers)
    let cells = order.sorted().map { cell -> CellResults in
      let spec =
        workload.optimizers.indices.contains(cell.optimizer)
        ? workload.optimizers[cell.optimizer] : nil
      return CellResults(
        optimizer: spec?.kind ?? .sgd,
        optimizerName: cell.optimizer < names.count
          ? names[cell.optimizer] : "optimizer \(cell.optimizer)",
        batchSize: cell.batchSize, sparsity: cell.sparsity, trials: byCell[cell] ?? [])
    }
    self.init(
      workload: workload.name, dataset: workload.dataset.name.rawValue, goal: workload.goal,
      evaluationEverySteps: workload.evaluation.everySteps, cells: cells, masks: masks)
  }

  /// `sgd`, `nesterov`, or `nesterov linear-decay` when a workload sweeps two schedules of one
  /// kind; a numeric suffix if still ambiguous.
  static func optimizerNames(_ optimizers: [OptimizerSpec]) -> [String] {
    var names = optimizers.map { spec in
      optimizers.filter { $0.kind == spec.kind }.count > 1
        ? "\(spec.kind.rawValue) \(spec.schedule.rawValue)" : spec.kind.rawValue
    }
    for i in names.indices where names.filter({ $0 == names[i] }).count > 1 {
      names[i] += " #\(i + 1)"
    }
    return names
  }
}
