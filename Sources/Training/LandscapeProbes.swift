import Collectives
import Datasets
import Network
import Primitives

/// A trial's probes (`ProbeSchedule`), run by every rank inside the training loop.
///
/// They never change the trajectory: they read the parameters, overwrite only the gradient
/// buffer (which the next step overwrites anyway) and restore w_cur bit for bit; they leave the
/// optimizer's momentum, the batch stream and its generator alone, and the noise scale draws its
/// examples from its own generator, seeded from the trial's data seed and the step, so a resumed
/// trial draws the same examples for the same step.
///
/// Order inside a step: `beforeStep` (w_prev and grad(w_prev) when a Lipschitz probe ends at the
/// next step), the update, then `afterStep` (the Lipschitz ratios, then the noise scale), all
/// before the step's evaluation and checkpoint, so a checkpoint at step s follows every probe up
/// to s and a kill during a probe loses only that probe.
final class LandscapeProbes {
  let schedule: ProbeSchedule
  private let gradients: ProbeGradients
  private let dataSeed: UInt64
  private let previous: UnsafeMutablePointer<Float>
  private let previousGradient: UnsafeMutablePointer<Float>
  private let scratch: UnsafeMutablePointer<Float>
  private var pendingLipschitz = false
  /// Seconds `beforeStep` spent on grad(w_prev), counted in the probe's time.
  private var previousSeconds = 0.0

  init(
    schedule: ProbeSchedule, model: Model, comm: any Communicator, train: ImageSet,
    dataSeed: UInt64
  ) {
    self.schedule = schedule
    self.dataSeed = dataSeed
    gradients = ProbeGradients(
      model: model, comm: comm, train: train, largestBatch: schedule.noiseScale?.bigBatch ?? 0)
    let count = model.store.count
    let lipschitzCount = schedule.lipschitz == nil ? 1 : count
    previous = .allocate(capacity: lipschitzCount)
    previousGradient = .allocate(capacity: lipschitzCount)
    scratch = .allocate(capacity: lipschitzCount)
  }

  deinit {
    previous.deallocate()
    previousGradient.deallocate()
    scratch.deallocate()
  }

  private var store: ParameterStore { gradients.model.store }

  /// Before the update that takes the trial from `step` to `step + 1` updates.
  func beforeStep(step: Int) throws {
    pendingLipschitz = false
    guard let l = schedule.lipschitz, (step + 1) % l.everySteps == 0 else { return }
    let clock = ContinuousClock()
    let started = clock.now
    let count = store.count
    previous.update(from: store.parameters, count: count)
    let g = try gradients.fullSplit(examples: examples(l))
    previousGradient.update(from: g, count: count)
    previousSeconds = started.duration(to: clock.now).seconds
    pendingLipschitz = true
  }

  /// After the update that brought the trial to `step` updates (0: at initialisation, before any
  /// update): the measurements due now, in order.
  func afterStep(step: Int) throws -> [ProbeMeasurement] {
    var done: [ProbeMeasurement] = []
    if pendingLipschitz, let l = schedule.lipschitz {
      pendingLipschitz = false
      done.append(.lipschitz(try lipschitz(l, step: step)))
    }
    if let s = schedule.noiseScale, step % s.everySteps == 0 {
      done.append(.noiseScale(try noiseScale(s, step: step)))
    }
    return done
  }

  private func examples(_ l: ProbeSchedule.Lipschitz) -> Int {
    min(l.examples ?? gradients.train.count, gradients.train.count)
  }

  private func lipschitz(_ l: ProbeSchedule.Lipschitz, step: Int) throws -> LipschitzMeasurement {
    let clock = ContinuousClock()
    let started = clock.now
    let n = examples(l)
    let mask = gradients.mask
    let r = try LipschitzEstimator.ratios(
      parameters: store.parameters, previous: previous, previousGradient: previousGradient,
      mask: mask, count: store.count, scratch: scratch, gammas: l.gammas
    ) { try gradients.fullSplit(examples: n) }
    return LipschitzMeasurement(
      step: step, perGamma: r.perGamma, gammas: l.gammas,
      gradientNorm: ProbeVector.squaredNorm(previousGradient, mask: mask, count: store.count)
        .squareRoot(),
      stepNorm: r.stepNorm, examples: n,
      seconds: previousSeconds + started.duration(to: clock.now).seconds)
  }

  private func noiseScale(_ s: ProbeSchedule.NoiseScale, step: Int) throws
    -> NoiseScaleMeasurement
  {
    let clock = ContinuousClock()
    let started = clock.now
    var generator = Self.noiseGenerator(dataSeed: dataSeed, step: step)
    var accumulator = NoiseScaleAccumulator(smallBatch: s.smallBatch, bigBatch: s.bigBatch)
    for _ in 0..<s.draws {
      try gradients.noiseDraw(
        small: s.smallBatch, big: s.bigBatch, generator: &generator, into: &accumulator)
    }
    return NoiseScaleMeasurement(
      step: step, estimate: accumulator.estimate,
      seconds: started.duration(to: clock.now).seconds)
  }

  /// The noise scale's draws at `step`: a function of the trial's data seed and the step only
  /// (not of the batch stream's state), so the same step draws the same examples after a resume.
  static func noiseGenerator(dataSeed: UInt64, step: Int) -> SplitMix64 {
    var mixer = SplitMix64(seed: dataSeed ^ 0x6E6F_6973_652D_7363)  // "noise-sc"
    let a = mixer.next()
    var second = SplitMix64(seed: a &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15)
    return SplitMix64(seed: second.next())
  }
}
