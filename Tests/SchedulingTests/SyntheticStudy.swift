import Foundation
import Planning
import Primitives
import Scheduling
import WorkloadModel

// Synthetic studies for scheduler and store tests: trial specs without a real workload behind
// them, curves from a seeded formula, and a `TrialRunning` that replays them. Shared with
// ResultsStoreTests through a symbolic link.

/// A deterministic 64-bit mix (SplitMix64's finaliser).
func mix(_ values: UInt64...) -> UInt64 {
  var z: UInt64 = 0x9E37_79B9_7F4A_7C15
  for v in values {
    z = (z ^ v) &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
  }
  return z
}

/// A uniform number in [0, 1) from a hash.
func unit(_ values: UInt64...) -> Double {
  var z: UInt64 = 0
  for v in values { z = mix(z, v) }
  return Double(z >> 11) / Double(1 << 53)
}

/// A study of `optimizers x batchSizes x sparsities` cells with `trials` trials each.
struct SyntheticStudy {
  var seed: UInt64 = 1
  var optimizers = 1
  var batchSizes = [16, 64, 256]
  var sparsities = [0.0, 0.9]
  var trials = 6
  var maxSteps = 2000
  var evaluationEvery = 100
  /// A geometric evaluation schedule (`evaluation.growth`), or nil for a fixed interval.
  var evaluationGrowth: Double?
  /// `evaluation.overrides`: the interval by batch size.
  var evaluationOverrides: [Int: Int] = [:]
  /// Report an evaluation that misses the goal as a bound (`evaluation.exit_early`): only the
  /// first half of the split seen, with at most one wrong answer more than the goal allows.
  var exitEarly = false
  var goal = Goal(comparison: .atMost, threshold: 0.1)
  /// How strongly a trial index's quality carries over between cells (0: none, 1: fully).
  var correlation = 0.8
  /// Fraction of trial indices that never reach the goal.
  var hopeless = 0.2

  static let dataset = DatasetSpec(
    name: .fashionMNIST, directory: Located("/nonexistent"),
    validation: ValidationSplit(holdout: 6000, seed: 0), normalization: .global)

  var specs: [TrialSpec] {
    var specs: [TrialSpec] = []
    for optimizer in 0..<optimizers {
      for sparsity in sparsities {
        for batchSize in batchSizes {
          let cell = CellID(optimizer: optimizer, batchSize: batchSize, sparsity: sparsity)
          for index in 0..<trials { specs.append(spec(cell, index)) }
        }
      }
    }
    return specs
  }

  func spec(_ cell: CellID, _ index: Int) -> TrialSpec {
    let name = "s\(seed)-o\(cell.optimizer)-b\(cell.batchSize)-p\(cell.sparsity)-i\(index)"
    let hex =
      String(format: "%016llx", mix(seed, UInt64(name.hashValueStable)))
      + String(repeating: "0", count: 48)
    return TrialSpec(
      key: TrialKey(hex: hex + "-" + name), cell: cell, index: index, dataset: Self.dataset,
      datasetDigest: "synthetic", model: ModelSpec(architecture: .simpleCNN),
      optimizer: .nesterov, schedule: .constant,
      metaparameters: [
        .learningRate: 1e-3 * Double(index + 1), .momentum: 0.9 + 0.001 * Double(index),
      ],
      batchSize: cell.batchSize, sparsity: cell.sparsity, pruning: nil, initSeed: UInt64(index),
      dataSeed: 0, evaluationEverySteps: policy.cadence(batchSize: cell.batchSize).firstStep,
      evaluationGrowth: evaluationGrowth, trainerVersion: 1, goal: goal, maxSteps: maxSteps,
      giveUp: [], exitEarly: exitEarly)
  }

  var plan: ExecutionPlan {
    ExecutionPlan(workload: workload, pruningNodes: [], trials: specs)
  }

  var workload: Workload {
    Workload(
      name: "synthetic-\(seed)", dataset: Self.dataset, model: ModelSpec(architecture: .simpleCNN),
      optimizers: [
        OptimizerSpec(kind: .nesterov, schedule: .constant, metaparameters: [:])
      ],
      study: StudySpec(
        batchSizes: batchSizes.map { Located($0) }, sparsities: sparsities.map { Located($0) },
        pruning: PruningSpec(method: .snip), trials: trials),
      goal: goal, budget: StepBudget(maxSteps: maxSteps), evaluation: policy)
  }

  var policy: EvaluationPolicy {
    EvaluationPolicy(
      everySteps: evaluationEvery, overrides: evaluationOverrides, growth: evaluationGrowth,
      exitEarly: exitEarly)
  }

  /// The steps `spec` is evaluated at when it runs to its budget.
  func evaluationSteps(_ spec: TrialSpec) -> [Int] {
    var steps: [Int] = []
    var step = 0
    while step < spec.maxSteps {
      step = min(spec.evaluationCadence.next(after: step), spec.maxSteps)
      steps.append(step)
    }
    return steps
  }

  /// The validation error of `spec` at `step`: falls like a power law towards a floor; the step
  /// where it crosses the goal depends on the trial index (shared across cells, by
  /// `correlation`), the cell, and a little noise per evaluation.
  func error(_ spec: TrialSpec, step: Int) -> Double {
    let index = UInt64(spec.index)
    let cellSalt = mix(
      UInt64(spec.cell.optimizer), UInt64(spec.cell.batchSize),
      UInt64(spec.cell.sparsity * 1000))
    let shared = unit(seed, 1, index)
    let own = unit(seed, 2, index, cellSalt)
    let quality = correlation * shared + (1 - correlation) * own
    if unit(seed, 3, index) < hopeless { return 0.5 + 0.1 * unit(seed, 4, index, UInt64(step)) }
    let scale = 64.0 / Double(spec.cell.batchSize).squareRoot() * (1 + spec.cell.sparsity)
    let reach = Double(maxSteps) * (0.1 + 0.8 * quality) * scale / 4
    let noise = 1 + 0.06 * (unit(seed, 5, index, cellSalt, UInt64(step)) - 0.5)
    return min(0.9, goal.threshold * (reach / Double(step)).squareRoot() * noise)
  }

  /// The full evaluation at `step`, counted on the 6,000-example split.
  func fullEvaluation(_ spec: TrialSpec, step: Int) -> Evaluation {
    let n = Self.dataset.validation.holdout
    let wrong = Int((error(spec, step: step) * Double(n)).rounded())
    let e = Double(wrong) / Double(n)
    return Evaluation(
      step: step, validationError: e, validationLoss: 3 * e, trainingLoss: 2 * e,
      counts: EvaluationCounts(wrong: wrong, seen: n, total: n))
  }

  /// What the trial reports at `step`: the full evaluation, or with `exitEarly` a bound for a
  /// point that misses the goal.
  func evaluation(_ spec: TrialSpec, step: Int) -> Evaluation {
    let full = fullEvaluation(spec, step: step)
    guard exitEarly, let counts = full.counts, !full.meets(spec.goal) else { return full }
    let allowed = spec.goal.allowedWrong(outOf: counts.total)
    let wrong = min(counts.wrong, allowed + 1)
    let e = Double(wrong) / Double(counts.total)
    return Evaluation(
      step: step, validationError: e, validationLoss: e, trainingLoss: full.trainingLoss,
      counts: EvaluationCounts(wrong: wrong, seen: counts.total / 2, total: counts.total))
  }

  /// The first evaluation step meeting the goal if the trial ran to its budget.
  func fullRunStepsToResult(_ spec: TrialSpec) -> Int? {
    evaluationSteps(spec).first { fullEvaluation(spec, step: $0).meets(spec.goal) }
  }

  /// Steps-to-result per cell from full curves: the reference early stop must match.
  var referenceStepsToResult: [CellID: Int] {
    var best: [CellID: Int] = [:]
    for spec in specs {
      if let s = fullRunStepsToResult(spec) { best[spec.cell] = min(best[spec.cell] ?? s, s) }
    }
    return best
  }
}

extension String {
  /// FNV-1a: `hashValue` is seeded per process, and keys must be the same in every run.
  var hashValueStable: UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in utf8 {
      h = (h ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return h
  }
}

/// Replays a `SyntheticStudy`'s curves, obeying the session like a real trainer; can fail,
/// diverge or be interrupted on chosen trial indices, and counts its calls.
final class SyntheticRunner: TrialRunning, @unchecked Sendable {
  let study: SyntheticStudy
  var failing: Set<Int> = []
  var diverging: Set<Int> = []
  /// Returns `.interrupted` after the first evaluation, on the first call only.
  var interruptOnce: Set<Int> = []
  /// Returns `.interrupted` after the first evaluation, always.
  var interruptAlways: Set<Int> = []
  /// Sleep per evaluation, to let concurrent trials interleave.
  var pause: TimeInterval = 0

  private let lock = NSLock()
  private var calls: [TrialKey: Int] = [:]
  private var resumedFrom: [TrialKey: [Int]] = [:]

  init(_ study: SyntheticStudy) { self.study = study }

  func callCount(_ key: TrialKey) -> Int { lock.withLock { calls[key] ?? 0 } }
  var totalCalls: Int { lock.withLock { calls.values.reduce(0, +) } }
  func resumeSteps(_ key: TrialKey) -> [Int] { lock.withLock { resumedFrom[key] ?? [] } }

  func run(_ spec: TrialSpec, resumingFrom checkpoint: TrialCheckpoint?, session: TrialSession)
    -> TrialOutcome
  {
    let call = lock.withLock { () -> Int in
      calls[spec.key, default: 0] += 1
      if let checkpoint { resumedFrom[spec.key, default: []].append(checkpoint.step) }
      return calls[spec.key] ?? 1
    }
    if failing.contains(spec.index) { return .failed(message: "synthetic input error") }
    var step = checkpoint?.step ?? 0
    if let checkpoint, checkpoint.bytes != Self.state(at: checkpoint.step) {
      return .failed(message: "checkpoint bytes do not match step \(checkpoint.step)")
    }
    var evaluations = 0
    while step < spec.maxSteps {
      if session.directive == .interrupt {
        session.saveCheckpoint(step: step, bytes: Self.state(at: step))
        return .interrupted
      }
      step = min(spec.evaluationCadence.next(after: step), spec.maxSteps)
      if step % session.checkpointEverySteps == 0 {
        session.saveCheckpoint(step: step, bytes: Self.state(at: step))
      }
      if diverging.contains(spec.index) && step >= 3 * spec.evaluationEverySteps {
        return .diverged
      }
      let evaluation = study.evaluation(spec, step: step)
      if pause > 0 { Thread.sleep(forTimeInterval: pause) }
      let directive = session.evaluated(evaluation)
      evaluations += 1
      if evaluation.meets(spec.goal) { return .reached(step: step) }
      if interruptAlways.contains(spec.index) || (interruptOnce.contains(spec.index) && call == 1) {
        return .interrupted
      }
      switch directive {
      case .interrupt:
        session.saveCheckpoint(step: step, bytes: Self.state(at: step))
        return .interrupted
      case .stop(let bound) where step >= bound:
        return .dominated(step: step)
      default:
        break
      }
    }
    return .notReached
  }

  /// Stand-in trainer state: the step, as bytes.
  static func state(at step: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt64(step).littleEndian) { Array($0) }
  }
}
