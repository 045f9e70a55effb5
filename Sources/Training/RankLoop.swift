import Collectives
import Datasets
import Foundation
import Network
import Planning
import WorkloadModel

/// One rank's part of a data-parallel trial (SPMD: every rank runs this same loop, in threads
/// or in MPI processes; rank 0 alone talks to the monitor).
///
/// A step: every rank draws the same global batch of B indices from its own copy of the stream
/// and gathers its contiguous shard [r*B/W, (r+1)*B/W); it computes the gradient of its shard's
/// summed loss divided by B, so the all-reduce *sum* is the mean-loss gradient of the global
/// batch; every rank applies the same optimizer step to its own copy of the parameters, which
/// therefore stay identical. One small Double all-reduce per step carries the loss, an error
/// flag and rank 0's poll of the monitor, so all ranks take every decision together.
final class RankLoop {
  let spec: TrialSpec
  let plan: TrialModel
  let data: PreparedDataset
  let comm: any Communicator
  let monitor: TrialMonitor?
  let configuration: TrainerConfiguration

  private let model: Model
  private var stream: BatchStream
  private let images: UnsafeMutablePointer<Float>
  private let labels: UnsafeMutablePointer<Int32>
  private let indices: UnsafeMutableBufferPointer<Int32>
  private let shard: Range<Int>
  private var step = 0
  private var lossSinceEvaluation = 0.0
  private var stepsSinceEvaluation = 0
  private var trainingSeconds = 0.0
  private var examplesSinceEvaluation = 0
  private var secondsSinceEvaluation = 0.0
  private var evaluations: [EvaluationEvent] = []
  private let probes: LandscapeProbes?
  /// Under a mask: the gradient all-reduce of kept entries only (see `installMask`).
  private var gradientReduce: MaskedAllReduce?
  /// The training micro-batch, at which `Model.setMask` times each layer's two kernels.
  private let microBatch: Int

  init(
    spec: TrialSpec, plan: TrialModel, data: PreparedDataset, comm: any Communicator,
    monitor: TrialMonitor?, configuration: TrainerConfiguration
  ) throws {
    self.spec = spec
    self.plan = plan
    self.data = data
    self.comm = comm
    self.monitor = monitor
    self.configuration = configuration
    let b = spec.batchSize
    let w = comm.size
    shard = (comm.rank * b / w)..<((comm.rank + 1) * b / w)
    let maxShard = (b + w - 1) / w
    let microBatch = max(1, min(configuration.evaluationBatchSize, max(maxShard, 1)))
    self.microBatch = microBatch
    let evalBatch = max(1, configuration.evaluationBatchSize)
    model = try Model(
      plan.description, maxBatch: max(microBatch, min(evalBatch, data.validation.count)),
      threads: configuration.threadsPerWorker)
    if let policy = configuration.sparseKernels { model.sparsePolicy = policy }
    stream = BatchStream(count: data.train.count, seed: spec.dataSeed)
    images = .allocate(capacity: max(1, maxShard) * data.train.imageSize)
    labels = .allocate(capacity: max(1, maxShard))
    indices = .allocate(capacity: b)
    if let problem = configuration.probes.problem { throw TrialFailure("probes: \(problem)") }
    let schedule = configuration.probes
    probes =
      schedule == .none
      ? nil
      : LandscapeProbes(
        schedule: schedule, model: model, comm: comm, train: data.train, dataSeed: spec.dataSeed)
  }

  deinit {
    images.deallocate()
    labels.deallocate()
    indices.deallocate()
  }

  /// Initialises (or restores) and trains until an end; the same `TrialEnd` on every rank.
  func run(mask: [Float]?, checkpoint: TrainingCheckpoint?) throws -> TrialReport {
    let started = ContinuousClock.now
    let store = model.store
    model.initialize(seed: spec.initSeed, initializer: plan.initializer)
    if let mask {
      guard mask.count == store.count else {
        throw TrialFailure(
          "the mask has \(mask.count) entries but \(plan.description.name) has \(store.count) "
            + "parameters")
      }
      try installMask(mask)
    }
    if let checkpoint { try restore(checkpoint) }
    // Every rank starts from rank 0's parameters (identical by construction; this makes it so
    // even across machines).
    if comm.size > 1 {
      try comm.broadcast(
        UnsafeMutableRawBufferPointer(start: store.parameters, count: store.count * 4), root: 0)
    }
    if checkpoint == nil { try probe(after: 0) }
    let end = try train()
    let seconds = started.duration(to: .now).seconds
    let examples = Double(spec.batchSize) * Double(step - (checkpoint?.step ?? 0))
    var report = TrialReport(
      end: end, evaluations: evaluations, steps: step, seconds: seconds,
      examplesPerSecond: trainingSeconds > 0 ? examples / trainingSeconds : 0)
    report.layerPaths = model.layerPaths.map(\.description)
    report.allReduceBytesPerStep =
      comm.size > 1 ? (gradientReduce?.bytesPerCall ?? store.count * MemoryLayout<Float>.stride) : 0
    return report
  }

  private func restore(_ checkpoint: TrainingCheckpoint) throws {
    let store = model.store
    guard checkpoint.trialKey == spec.key.hex else {
      throw CheckpointError.mismatch("written by trial \(checkpoint.trialKey.prefix(12))")
    }
    guard checkpoint.parameters.count == store.count else {
      throw CheckpointError.mismatch(
        "\(checkpoint.parameters.count) parameters where the model has \(store.count)")
    }
    try installMask(checkpoint.masks)
    store.setParameters(checkpoint.parameters)
    checkpoint.velocity.withUnsafeBufferPointer { v in
      guard let base = v.baseAddress else { return }
      store.velocity.update(from: base, count: store.count)
    }
    stream.restore(checkpoint.stream)
    step = checkpoint.step
    lossSinceEvaluation = checkpoint.lossSinceEvaluation
    stepsSinceEvaluation = checkpoint.stepsSinceEvaluation
  }

  /// Installs the mask, builds the sparse kernels and the packed all-reduce (once per trial or
  /// restore: masks never change during a trial).
  private func installMask(_ mask: [Float]) throws {
    try mask.withUnsafeBufferPointer { try model.setMask($0, measureBatch: microBatch) }
    gradientReduce = model.store.isMasked && comm.size > 1
      ? mask.withUnsafeBufferPointer { MaskedAllReduce(mask: $0) } : nil
  }

  /// The state now, for a checkpoint.
  func checkpoint() -> TrainingCheckpoint {
    let store = model.store
    return TrainingCheckpoint(
      trialKey: spec.key.hex, step: step, workers: comm.size,
      parameters: store.parameterArray(),
      velocity: Array(UnsafeBufferPointer(start: store.velocity, count: store.count)),
      masks: Array(UnsafeBufferPointer(start: store.masks, count: store.count)),
      stream: stream.state, lossSinceEvaluation: lossSinceEvaluation,
      stepsSinceEvaluation: stepsSinceEvaluation)
  }

  private func saveCheckpoint() {
    guard comm.rank == 0, let monitor else { return }
    monitor.checkpoint(step, checkpoint().encoded())
  }

  // MARK: The loop

  /// Control words carried by the per-step Double all-reduce (only rank 0 sets them).
  private enum Poll: Double {
    case proceed = 0, stop = 1, interrupt = 2
  }

  private func train() throws -> TrialEnd {
    let b = spec.batchSize
    let cadence = spec.evaluationCadence
    var nextEvaluation = cadence.next(after: step)
    var limit = spec.maxSteps
    let checkpointEvery = configuration.checkpointEverySteps
    var reductions = [Double](repeating: 0, count: 4)
    let clock = ContinuousClock()
    while step < limit {
      try probes?.beforeStep(step: step)
      let stepStart = clock.now
      var poll = (Poll.proceed, 0)
      if comm.rank == 0, let monitor {
        switch monitor.poll() {
        case .proceed: break
        case .stop(let s): poll = (.stop, s)
        case .interrupt: poll = (.interrupt, 0)
        }
      }
      // Forward and backward on this rank's shard.
      var failed = 0.0
      var shardLoss = 0.0
      drawShard()
      do {
        let r = try model.trainStep(
          input: images, labels: labels, count: shard.count, gradientDenominator: b)
        shardLoss = Double(r.loss) * Double(shard.count)
      } catch {
        failed = 1
      }
      reductions[0] = shardLoss
      reductions[1] = failed
      reductions[2] = poll.0.rawValue
      reductions[3] = Double(poll.1)
      try comm.allReduceSum(&reductions)
      if reductions[1] > 0 {
        throw TrialFailure("a worker's forward or backward pass failed at step \(step + 1)")
      }
      let store = model.store
      let gradients = UnsafeMutableBufferPointer(start: store.gradients, count: store.count)
      if let gradientReduce {
        try gradientReduce.allReduceSum(gradients, over: comm)
      } else {
        try comm.allReduceSum(gradients)
      }
      plan.optimizer.step(store: store, learningRate: plan.schedule.rate(at: step))
      step += 1
      let loss = reductions[0] / Double(b)
      lossSinceEvaluation += loss
      stepsSinceEvaluation += 1
      let seconds = stepStart.duration(to: clock.now).seconds
      trainingSeconds += seconds
      secondsSinceEvaluation += seconds
      examplesSinceEvaluation += b
      if !loss.isFinite { return .diverged(step: step) }
      try probe(after: step)
      switch Poll(rawValue: reductions[2]) ?? .proceed {
      case .interrupt:
        saveCheckpoint()
        return .interrupted(step: step)
      case .stop:
        let s = Int(reductions[3])
        if s <= step && step != nextEvaluation && step != limit { return .dominated(step: step) }
        limit = min(limit, max(s, step))
      case .proceed: break
      }
      if step == nextEvaluation || step == limit {
        if step >= nextEvaluation { nextEvaluation = cadence.next(after: step) }
        if let end = try evaluate(limit: &limit) { return end }
      }
      if checkpointEvery > 0 && step % checkpointEvery == 0 { saveCheckpoint() }
    }
    return step >= spec.maxSteps ? .budgetSpent(step: step) : .dominated(step: step)
  }

  /// Runs the probes due at `step` updates and hands their measurements to the monitor.
  private func probe(after step: Int) throws {
    guard let probes else { return }
    for measurement in try probes.afterStep(step: step) where comm.rank == 0 {
      monitor?.probed(measurement)
    }
  }

  /// Gathers this rank's shard of the next global batch into `images` / `labels`.
  private func drawShard() {
    stream.next(into: indices)
    let size = data.train.imageSize
    data.train.pixels.withUnsafeBufferPointer { pixels in
      guard let source = pixels.baseAddress else { return }
      data.train.labels.withUnsafeBufferPointer { setLabels in
        for (k, position) in shard.enumerated() {
          let i = Int(indices[position])
          (images + k * size).update(from: source + i * size, count: size)
          labels[k] = setLabels[i]
        }
      }
    }
  }

  /// Decision codes broadcast after an evaluation.
  private enum Decision: Int64 {
    case proceed = 0, reached, diverged, gaveUp, dominated, interrupted, budget
  }

  /// Examples per evaluation chunk. The validation split is evaluated in this fixed order of
  /// fixed chunks whatever the worker count (each rank takes its contiguous share of a chunk),
  /// and the counts are summed over ranks after every chunk, so an early exit happens after the
  /// same chunk, with the same counts, on 1 worker or 8.
  static let evaluationChunk = 500

  /// The wrong count above which this evaluation may stop: the goal is then missed (and every
  /// give-up rule in force has fired), so the rest of the split cannot change any decision.
  /// Nil when the evaluation must see every example.
  private func exitThreshold(total: Int) -> Int? {
    guard spec.exitEarly, spec.goal.metric == .validationError else { return nil }
    var threshold = spec.goal.allowedWrong(outOf: total)
    for rule in spec.giveUp where step >= rule.step {
      guard let above = ExactDecimal(shortestOf: rule.above) else { return nil }
      threshold = max(threshold, above.largestCount(timesCount: total, strict: false))
    }
    return threshold
  }

  /// Evaluates on the validation split (each chunk sharded over ranks), lets rank 0 decide, and
  /// returns the end if the trial ends here. Stops after a chunk whose running wrong count
  /// proves the goal missed (`exitThreshold`); the point is then a lower bound.
  private func evaluate(limit: inout Int) throws -> TrialEnd? {
    let clock = ContinuousClock()
    let started = clock.now
    let v = data.validation
    let exitAbove = exitThreshold(total: v.count)
    var sums = [0.0, 0.0]  // loss summed, wrong answers
    var chunk = [0.0, 0.0]
    var seen = 0
    while seen < v.count {
      let count = min(Self.evaluationChunk, v.count - seen)
      let part =
        (seen + comm.rank * count / comm.size)..<(seen + (comm.rank + 1) * count / comm.size)
      chunk[0] = 0
      chunk[1] = 0
      if !part.isEmpty {
        let r = try v.pixels.withUnsafeBufferPointer { pixels in
          try v.labels.withUnsafeBufferPointer { labels in
            guard let x = pixels.baseAddress, let y = labels.baseAddress else {
              return (lossSum: 0.0, correct: 0)
            }
            return try model.evaluate(
              input: x + part.lowerBound * v.imageSize, labels: y + part.lowerBound,
              count: part.count)
          }
        }
        chunk[0] = r.lossSum
        chunk[1] = Double(part.count - r.correct)
      }
      try comm.allReduceSum(&chunk)
      sums[0] += chunk[0]
      sums[1] += chunk[1]
      seen += count
      if let exitAbove, Int(sums[1]) > exitAbove { break }
    }
    let seconds = started.duration(to: clock.now).seconds
    var decision: [Int64] = [Decision.proceed.rawValue, 0]
    if comm.rank == 0 {
      let counts = EvaluationCounts(wrong: Int(sums[1]), seen: seen, total: v.count)
      let event = EvaluationEvent(
        step: step, validationError: counts.error, validationLoss: sums[0] / Double(v.count),
        trainingLoss: lossSinceEvaluation / Double(max(stepsSinceEvaluation, 1)),
        examplesPerSecond: secondsSinceEvaluation > 0
          ? Double(examplesSinceEvaluation) / secondsSinceEvaluation : 0,
        evaluationSeconds: seconds, counts: counts)
      evaluations.append(event)
      let control = monitor?.evaluated(event) ?? .proceed
      decision = decide(event, control: control, limit: limit)
    }
    lossSinceEvaluation = 0
    stepsSinceEvaluation = 0
    examplesSinceEvaluation = 0
    secondsSinceEvaluation = 0
    try comm.broadcast(&decision, root: 0)
    switch Decision(rawValue: decision[0]) ?? .proceed {
    case .proceed:
      if decision[1] > 0 { limit = min(limit, Int(decision[1])) }
      return nil
    case .reached: return .reached(step: step)
    case .diverged: return .diverged(step: step)
    // Ends that a larger budget or a looser bound could continue keep a checkpoint.
    case .gaveUp:
      if configuration.checkpointEverySteps > 0 { saveCheckpoint() }
      return .gaveUp(step: step, rule: spec.giveUp[Int(decision[1])])
    case .dominated:
      if configuration.checkpointEverySteps > 0 { saveCheckpoint() }
      return .dominated(step: step)
    case .budget:
      if configuration.checkpointEverySteps > 0 { saveCheckpoint() }
      return .budgetSpent(step: step)
    case .interrupted:
      saveCheckpoint()
      return .interrupted(step: step)
    }
  }

  /// Rank 0's verdict on an evaluation: divergence, then the goal, then the caller's control,
  /// then give-up rules, then the budget. `[code, argument]`.
  private func decide(_ e: EvaluationEvent, control: TrialControl, limit: Int) -> [Int64] {
    let metric = spec.goal.metric == .validationError ? e.validationError : e.validationLoss
    if !e.validationError.isFinite || !e.validationLoss.isFinite || !e.trainingLoss.isFinite {
      return [Decision.diverged.rawValue, 0]
    }
    if spec.goal.isMet(metric, counts: e.counts) { return [Decision.reached.rawValue, 0] }
    var newLimit = 0
    switch control {
    case .interrupt: return [Decision.interrupted.rawValue, 0]
    case .stop(let s):
      if s <= step { return [Decision.dominated.rawValue, 0] }
      newLimit = s
    case .proceed: break
    }
    let current = step
    let byCounts = spec.goal.metric == .validationError
    let fires = { (rule: GiveUpRule) -> Bool in
      guard current >= rule.step else { return false }
      if let counts = e.counts, byCounts {
        return rule.fires(wrong: counts.wrong, outOf: counts.total)
      }
      return metric > rule.above
    }
    if let rule = spec.giveUp.firstIndex(where: fires) {
      return [Decision.gaveUp.rawValue, Int64(rule)]
    }
    if step >= spec.maxSteps { return [Decision.budget.rawValue, 0] }
    if step >= limit { return [Decision.dominated.rawValue, 0] }
    return [Decision.proceed.rawValue, Int64(newLimit)]
  }
}

extension Duration {
  var seconds: Double {
    let c = components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
  }
}
