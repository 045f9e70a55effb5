import Foundation
import Planning
import ResultsStore
import Training
import WorkloadModel

/// `stepwise probe`'s work: for each (optimizer, sparsity) of a study, the gradient noise scale
/// at initialisation and over a short training run, and McCandlish et al.'s prediction that the
/// critical batch size is about the noise scale.
///
/// Every row starts as the study's trials do: the same model, initialisation seed and pruning
/// mask (the store's mask when it has one, else computed by `MaskBuilder` as `stepwise run`
/// would, and saved there when the store exists). The short run trains the study's trial of the
/// moderate batch size with every searched metaparameter at the middle of its range on its scale
/// (unless given), so that it needs no search.
struct StudyProbe {
  struct Options {
    /// nil: the study's batch size nearest the geometric middle of its range.
    var batchSize: Int?
    /// nil: the middle of the learning-rate range on its scale.
    var learningRate: Double?
    var steps: Int
    var everySteps: Int
    var smallBatch: Int
    var bigBatch: Int
    var draws: Int
    /// Examples of the full-split gradient of a Lipschitz probe at the end of the short run
    /// (nil: no Lipschitz probe).
    var lipschitzExamples: Int?
    var workers: Int
    var threads: Int
  }

  /// One (optimizer, sparsity).
  struct Row {
    var optimizer: String
    var sparsity: Double
    var batchSize: Int
    var metaparameters: [Metaparameter: Double]
    var measurements: [NoiseScaleMeasurement]
    var lipschitz: LipschitzMeasurement?
    var validationError: Double?
    var maskSource: String
    var seconds: Double
    /// The noise scale at the end of the short run: McCandlish et al.'s B_crit estimate. Nil if
    /// the short run's last estimate did not resolve |G|^2 from zero.
    var predictedCriticalBatchSize: Double? {
      guard let last = measurements.last?.estimate, last.gradientSquaredNorm > 0,
        last.noiseScale.isFinite, last.noiseScale > 0
      else { return nil }
      return last.noiseScale
    }
  }

  struct Result {
    var workload: String
    var rows: [Row]
    var options: Options
    /// The study's batch sizes, for comparison with the recommended range.
    var studyBatchSizes: [Int]
    var seconds: Double

    /// Powers of two from an eighth of the smallest prediction (steps still about 9x S_min:
    /// perfect scaling) to 8x the largest (within 12.5% of S_min: no more gain), nil without a
    /// prediction.
    var recommendedRange: ClosedRange<Int>? {
      let predictions = rows.compactMap(\.predictedCriticalBatchSize)
      guard let low = predictions.min(), let high = predictions.max() else { return nil }
      let lo = max(1, Int(pow(2, floor(log2(max(low / 8, 1))))))
      let hi = Int(pow(2, ceil(log2(max(high * 8, 1)))))
      return lo...max(lo, hi)
    }
  }

  let plan: ExecutionPlan
  let options: Options
  /// Where masks are looked up and saved (nil: compute them, keep nothing).
  let store: ResultsStore?
  let note: (String) -> Void

  func execute() throws -> Result {
    let started = Date()
    let targets = try chooseTrials()
    let masks = try self.masks(for: targets.map(\.spec))
    var configuration = TrainerConfiguration(
      workers: options.workers, threadsPerWorker: options.threads, checkpointEverySteps: 0)
    configuration.probes = ProbeSchedule(
      noiseScale: .init(
        everySteps: options.everySteps, smallBatch: options.smallBatch,
        bigBatch: options.bigBatch, draws: options.draws))
    if let n = options.lipschitzExamples {
      configuration.probes.lipschitz = .init(everySteps: options.steps, examples: n)
    }
    let runner = TrialRunner(configuration: configuration)
    var rows: [Row] = []
    for target in targets {
      let rowStart = Date()
      let spec = target.spec
      let mask = masks[spec.pruning?.key.hex ?? ""]
      let collected = Collected()
      let report = runner.run(
        spec, mask: mask?.values,
        monitor: TrialMonitor(
          evaluated: { collected.add(evaluation: $0) }, probed: { collected.add(probe: $0) }))
      if case .failed(let message) = report.end {
        throw StudyProbeError("\(target.label): \(message)")
      }
      let row = Row(
        optimizer: target.label, sparsity: spec.sparsity, batchSize: spec.batchSize,
        metaparameters: spec.metaparameters, measurements: collected.noise,
        lipschitz: collected.lipschitz,
        validationError: collected.lastError, maskSource: mask?.source ?? "dense",
        seconds: Date().timeIntervalSince(rowStart))
      note(
        String(
          format: "%@ sparsity %g: B_noise %@ (%.1f s)", target.label, spec.sparsity,
          row.predictedCriticalBatchSize.map { String(format: "%.0f", $0) } ?? "unresolved",
          row.seconds))
      rows.append(row)
    }
    return Result(
      workload: plan.workload.name, rows: rows, options: options,
      studyBatchSizes: plan.workload.study.batchSizes.map(\.value),
      seconds: Date().timeIntervalSince(started))
  }

  /// One trial per (optimizer, sparsity), at the probe's batch size and metaparameters, whose
  /// budget is the short run and which evaluates once, at its end.
  private func chooseTrials() throws -> [(label: String, spec: TrialSpec)] {
    let sizes = plan.workload.study.batchSizes.map(\.value)
    guard let smallest = sizes.min(), let largest = sizes.max() else {
      throw StudyProbeError("the study has no batch sizes")
    }
    let middle = (Double(smallest) * Double(largest)).squareRoot()
    let batch =
      options.batchSize
      ?? sizes.min { abs(log(Double($0) / middle)) < abs(log(Double($1) / middle)) } ?? smallest
    var chosen: [(label: String, spec: TrialSpec)] = []
    var seen: Set<CellID> = []
    for trial in plan.trials {
      let cell = CellID(optimizer: trial.cell.optimizer, batchSize: 0, sparsity: trial.sparsity)
      guard !seen.contains(cell) else { continue }
      seen.insert(cell)
      let optimizer = plan.workload.optimizers[trial.cell.optimizer]
      var spec = trial
      spec.batchSize = batch
      spec.cell.batchSize = batch
      for (name, dimension) in optimizer.searchDimensions {
        spec.metaparameters[name] = SearchSpaceMapping.value(dimension, at: 0.5)
      }
      if let rate = options.learningRate { spec.metaparameters[.learningRate] = rate }
      spec.maxSteps = options.steps
      spec.evaluationEverySteps = options.steps
      spec.giveUp = []
      // Never "reached": the short run is not a trial of the study.
      spec.goal = Goal(metric: spec.goal.metric, comparison: .atMost, threshold: -1)
      // A goal no evaluation meets would let every evaluation exit after its first chunk, and
      // the row would print that lower bound as the error: evaluate the whole split.
      spec.exitEarly = false
      spec.key = TrialKey(hex: "probe-" + trial.key.hex)
      let label =
        plan.workload.optimizers.count > 1
        ? "\(trial.cell.optimizer + 1):\(optimizer.kind.rawValue)" : optimizer.kind.rawValue
      chosen.append((label, spec))
    }
    return chosen.sorted {
      ($0.spec.cell.optimizer, $0.spec.sparsity) < ($1.spec.cell.optimizer, $1.spec.sparsity)
    }
  }

  /// The masks of the chosen trials by node key: stored ones first, the rest computed (nodes
  /// that share their scores in one pass, as `stepwise run`).
  private func masks(for specs: [TrialSpec]) throws -> [String: (values: [Float], source: String)] {
    var table: [String: (values: [Float], source: String)] = [:]
    var groups: [ScoreSource: [TrialSpec]] = [:]
    var order: [ScoreSource] = []
    for spec in specs {
      guard let node = spec.pruning, spec.sparsity > 0 else { continue }
      if let record = try store?.mask(node.key) {
        table[node.key.hex] = (record.mask.unpacked(), "stored")
        continue
      }
      let source = ScoreSource(node)
      if groups[source] == nil { order.append(source) }
      groups[source, default: []].append(spec)
    }
    let builder = MaskBuilder(threads: max(1, options.workers * options.threads))
    for source in order {
      let group = groups[source] ?? []
      let started = Date()
      let results = try builder.masks(for: group)
      note(
        String(
          format: "masks (%@, %d sparsit%@) computed in %.1f s", source.method.method.rawValue,
          group.count, group.count == 1 ? "y" : "ies", Date().timeIntervalSince(started)))
      for (spec, result) in zip(group, results) {
        guard let node = spec.pruning else { continue }
        table[node.key.hex] = (result.mask, "computed")
        if let store {
          try store.saveMask(MaskRecord(node: node, result: result))
        }
      }
    }
    return table
  }
}

/// What a probe run collects from the trainer's monitor (called on the trial's thread).
private final class Collected: @unchecked Sendable {
  private let lock = NSLock()
  private var _noise: [NoiseScaleMeasurement] = []
  private var _lastError: Double?
  private var _lipschitz: LipschitzMeasurement?
  var lipschitz: LipschitzMeasurement? { lock.withLock { _lipschitz } }
  var noise: [NoiseScaleMeasurement] { lock.withLock { _noise } }
  var lastError: Double? { lock.withLock { _lastError } }

  func add(evaluation: EvaluationEvent) -> TrialControl {
    // Only a whole-split error is an error; a point cut short by early exit is a bound.
    if evaluation.counts?.isComplete ?? true {
      lock.withLock { _lastError = evaluation.validationError }
    }
    return .proceed
  }

  func add(probe: ProbeMeasurement) {
    lock.withLock {
      switch probe {
      case .noiseScale(let n): _noise.append(n)
      case .lipschitz(let l): _lipschitz = l
      }
    }
  }
}

struct StudyProbeError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
