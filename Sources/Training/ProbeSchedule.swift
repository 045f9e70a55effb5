import WorkloadModel

/// Which landscape probes a trial runs, and how often. Like the other `TrainerConfiguration`
/// knobs it is not part of a trial's identity: a probe reads the trajectory and restores
/// everything it touches, so a trial's curve is the same with or without probes.
public struct ProbeSchedule: Hashable, Sendable {
  /// Lee et al.'s Lipschitz-smoothness measurement (`--check_lipschitz`).
  public struct Lipschitz: Hashable, Sendable {
    /// A probe at every step s that is a positive multiple of this: w_prev is the parameters
    /// after s - 1 updates, w_cur after s (Lee et al.'s `(t + 1) mod interval = 0`).
    public var everySteps: Int
    /// The points of the segment w_prev + gamma (w_cur - w_prev) at which the gradient is taken.
    public var gammas: [Double]
    /// The first this many examples of the training split (stored order) make the "full"
    /// gradient; nil for the whole split, as Lee et al.
    public var examples: Int?

    /// Lee et al.'s gammas: 0.1, 0.2, ..., 0.9.
    public static let leeEtAlGammas: [Double] = (1...9).map { Double($0) / 10 }

    public init(everySteps: Int, gammas: [Double] = Self.leeEtAlGammas, examples: Int? = nil) {
      self.everySteps = everySteps
      self.gammas = gammas
      self.examples = examples
    }
  }

  /// McCandlish et al.'s simple noise scale from two batch sizes.
  public struct NoiseScale: Hashable, Sendable {
    /// A probe at step 0 (initialisation) and at every multiple of this.
    public var everySteps: Int
    public var smallBatch: Int
    public var bigBatch: Int
    /// Independent pairs of gradients averaged before the ratio is taken.
    public var draws: Int

    public init(everySteps: Int, smallBatch: Int, bigBatch: Int, draws: Int) {
      self.everySteps = everySteps
      self.smallBatch = smallBatch
      self.bigBatch = bigBatch
      self.draws = draws
    }
  }

  public var lipschitz: Lipschitz?
  public var noiseScale: NoiseScale?

  public init(lipschitz: Lipschitz? = nil, noiseScale: NoiseScale? = nil) {
    self.lipschitz = lipschitz
    self.noiseScale = noiseScale
  }

  public static let none = ProbeSchedule()

  /// What is wrong with the schedule, in words, or nil.
  public var problem: String? {
    if let l = lipschitz {
      if l.everySteps < 1 { return "lipschitz.every_steps must be at least 1" }
      if l.gammas.isEmpty || l.gammas.contains(where: { !($0 > 0 && $0 <= 1) }) {
        return "lipschitz.gammas must be a non-empty list of numbers in (0, 1]"
      }
      if let n = l.examples, n < 1 { return "lipschitz.examples must be at least 1" }
    }
    if let s = noiseScale {
      if s.everySteps < 1 { return "noise_scale.every_steps must be at least 1" }
      if s.smallBatch < 1 || s.bigBatch <= s.smallBatch {
        return "noise_scale.batch_sizes must be [small, big] with 1 <= small < big"
      }
      if s.draws < 1 { return "noise_scale.draws must be at least 1" }
    }
    return nil
  }
}

extension ProbeSchedule {
  /// The workload's `probes` section for a trial `on` selects; `.none` for the others.
  public init(_ spec: ProbesSpec?, trialIndex: Int) {
    guard let spec, spec.on.includes(trialIndex: trialIndex) else {
      self = .none
      return
    }
    self.init(
      lipschitz: spec.lipschitz.map {
        Lipschitz(everySteps: $0.everySteps, gammas: $0.gammas, examples: $0.examples)
      },
      noiseScale: spec.noiseScale.map {
        NoiseScale(
          everySteps: $0.everySteps, smallBatch: $0.smallBatch, bigBatch: $0.bigBatch,
          draws: $0.draws)
      })
  }
}
