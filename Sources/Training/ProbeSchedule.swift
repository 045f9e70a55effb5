import WorkloadModel

/// Which landscape probes a trial runs, and how often. Like the other `TrainerConfiguration`
/// knobs it is not part of a trial's identity: a probe reads the trajectory and restores
/// everything it touches, so a trial's curve is the same with or without probes.
public struct ProbeSchedule: Hashable, Sendable, Codable {
  /// Lee et al.'s Lipschitz-smoothness measurement (`--check_lipschitz`): a probe at every
  /// positive multiple s of `everySteps`, w_prev the parameters after s - 1 updates and w_cur
  /// after s (their `(t + 1) mod interval = 0`); the "full" gradient over the first `examples`
  /// of the training split (nil: all of it).
  public typealias Lipschitz = ProbesSpec.Lipschitz
  /// McCandlish et al.'s simple noise scale from two batch sizes, at step 0 and every multiple
  /// of `everySteps`.
  public typealias NoiseScale = ProbesSpec.NoiseScale

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
    self.init(lipschitz: spec.lipschitz, noiseScale: spec.noiseScale)
  }
}
