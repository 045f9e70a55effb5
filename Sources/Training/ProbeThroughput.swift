import Collectives
import Datasets
import Foundation
import Kernels
import Network
import Primitives
import WorkloadModel

/// The Lipschitz probe's examples per second against the trainer's step, on one model with the
/// trainer's workspace (`stepwise bench --lipschitz-examples`): the "full throughput" is
/// a ratio of these two, so both are timed in the same process, in interleaved rounds, in wall
/// time and in CPU time (user + system of this process, robust to other work on the machine).
///
/// Each round times, one after the other on the same model:
/// - `step`: `Model.trainStep` + SGD on one fixed batch of random inputs, as `stepwise bench`;
/// - `realStep`: the same on the first `batch` training images (the probe's data);
/// - `gradients`: gammas + 1 full-split gradients over `examples` training images, as the probe
///   takes them (`ProbeGradients.fullSplit`), at fixed parameters;
/// - `lipschitz`: a whole probe as a trial runs it (`LandscapeProbes`): grad(w_prev), one
///   training step, then one gradient per gamma, the parameter interpolation and norms included.
public enum ProbeThroughput {
  /// Examples per second of one timed part in one round.
  public struct Rate: Sendable {
    public var wall: Double
    public var cpu: Double
  }

  public struct Round: Sendable {
    public var step: Rate
    public var realStep: Rate
    /// As many full-split gradient passes as a probe makes, at fixed parameters.
    public var gradients: Rate
    public var lipschitz: Rate
    /// The probe's examples per second by its own clock (`LipschitzMeasurement.seconds`, what
    /// the store keeps and `stepwise probe` prints), its step between the gradients left out.
    public var recorded: Double
  }

  /// One part's phases under `STEPWISE_PROFILE=1` (`StepProfiler`): label, wall and calling
  /// thread's CPU seconds, calls.
  public typealias Profile = [(label: String, seconds: Double, cpuSeconds: Double, calls: Int)]

  /// Every part of a round processes about `(gammas + 1) * examples + batch` examples (the
  /// probe's); `profiled` receives each part's phases and examples when profiling is on.
  public static func measure(
    _ description: ModelDescription, train: ImageSet, batch: Int, examples: Int, threads: Int,
    rounds: Int, gammas: [Double] = ProbeSchedule.Lipschitz.leeEtAlGammas,
    profiled: (_ part: String, _ examples: Int, Profile) -> Void = { _, _, _ in }
  ) throws -> [Round] {
    // The model as `RankLoop` builds it for a 1-worker trial at this batch size.
    let evaluationBatch = TrainerConfiguration().evaluationBatchSize
    let model = try Model(description, maxBatch: evaluationBatch, threads: threads)
    model.initialize(seed: 0)
    let n = min(examples, train.count)
    let b = min(batch, train.count)
    var generator = SplitMix64(seed: UInt64(batch))
    let random = (0..<(b * train.imageSize)).map { _ in Float(generator.nextNormal()) }
    let randomLabels = (0..<b).map { _ in Int32(generator.next() % UInt64(description.classes)) }
    let sgd = SGD(momentum: .nesterov(0.9))
    let gradients = ProbeGradients(model: model, comm: SingleRank(), train: train, largestBatch: 0)
    let probes = LandscapeProbes(
      schedule: ProbeSchedule(
        lipschitz: .init(everySteps: 1, gammas: gammas, examples: n)),
      model: model, comm: SingleRank(), train: train, dataSeed: 0)

    func randomStep() throws {
      _ = try model.trainStep(input: random, labels: randomLabels, count: b)
      sgd.step(store: model.store, learningRate: 0.01)
    }
    func realStep() throws {
      try train.pixels.withUnsafeBufferPointer { pixels in
        try train.labels.withUnsafeBufferPointer { labels in
          guard let x = pixels.baseAddress, let y = labels.baseAddress else { return }
          _ = try model.trainStep(input: x, labels: y, count: b)
        }
      }
      sgd.step(store: model.store, learningRate: 0.01)
    }
    /// A whole probe as a trial runs it: grad(w_prev), one training step, then the ratios.
    var recorded = 0.0
    func probe() throws {
      try probes.beforeStep(step: 0)
      try realStep()
      guard case .lipschitz(let m) = try probes.afterStep(step: 1).first else {
        throw TrialFailure("the Lipschitz probe did not run")
      }
      recorded = Double(m.examples * (m.gammas.count + 1)) / max(m.seconds, 1e-9)
    }
    /// Examples per second of `calls` calls of `body`, each of `perCall` examples.
    func time(_ part: String, _ calls: Int, perCall: Int, _ body: () throws -> Void) rethrows
      -> Rate
    {
      StepProfiler.reset()
      defer { if StepProfiler.isEnabled { profiled(part, calls * perCall, StepProfiler.report()) } }
      let clock = ContinuousClock()
      let cpu = ProcessUsage.cpuSeconds()
      let start = clock.now
      for _ in 0..<calls { try body() }
      let wall = start.duration(to: clock.now).seconds
      let used = ProcessUsage.cpuSeconds() - cpu
      let total = Double(calls * perCall)
      return Rate(wall: total / max(wall, 1e-9), cpu: total / max(used, 1e-9))
    }
    // Warm-up (first-call allocations, oneDNN primitives). Every part then processes the same
    // number of examples (the steps as many as the probe), so that load that comes and goes on
    // a shared machine weighs on each part alike.
    try randomStep()
    try realStep()
    _ = try gradients.fullSplit(examples: n)
    let steps = max(2, (n * (gammas.count + 1) + b + b - 1) / b)
    var results: [Round] = []
    for _ in 0..<rounds {
      let step = try time("step", steps, perCall: b, randomStep)
      let real = try time("real_step", steps, perCall: b, realStep)
      let passes = try time("gradients", gammas.count + 1, perCall: n) {
        _ = try gradients.fullSplit(examples: n)
      }
      // The probe's one training step is counted with its gradients.
      let lipschitz = try time("lipschitz", 1, perCall: n * (gammas.count + 1) + b) {
        try probe()
      }
      results.append(
        Round(
          step: step, realStep: real, gradients: passes,
          lipschitz: lipschitz, recorded: recorded))
    }
    return results
  }
}
