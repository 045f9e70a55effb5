/// When and how the validation split is evaluated.
///
/// The plan file holds this value through synthesized-looking `Codable` that writes only what
/// differs from the defaults, so a workload that uses none of the newer keys (per-batch-size
/// intervals, a geometric schedule, `exit_early: false`) keeps its plan bytes.
public struct EvaluationPolicy: Hashable, Sendable, Codable {
  /// Evaluate on the whole validation split every this many steps (Lee et al.: 100); with
  /// `growth`, the first evaluated step.
  public var everySteps: Int
  /// Examples per forward pass during evaluation (a speed knob; not in a trial's identity).
  public var batchSize: Int
  /// `every_steps` by batch size, as `budget.overrides` does for the step budget.
  public var overrides: [Int: Int]
  /// A geometric schedule: each evaluated step is the previous one times this ratio (rounded
  /// up, at least one more step), so the resolution is about 1 - 1/growth of the steps at every
  /// step count. Nil: a fixed interval.
  public var growth: Double?
  /// Stop an evaluation as soon as its wrong answers prove the goal missed at this step (stored
  /// as a bound). Not in a trial's identity: see `docs/trial-identity.md`.
  public var exitEarly: Bool

  public init(
    everySteps: Int, batchSize: Int = 1000, overrides: [Int: Int] = [:], growth: Double? = nil,
    exitEarly: Bool = true
  ) {
    self.everySteps = everySteps
    self.batchSize = batchSize
    self.overrides = overrides
    self.growth = growth
    self.exitEarly = exitEarly
  }

  /// The evaluated steps of a trial at `batchSize`.
  public func cadence(batchSize b: Int) -> EvaluationCadence {
    EvaluationCadence(firstStep: overrides[b] ?? everySteps, growth: growth)
  }

  private enum CodingKeys: String, CodingKey {
    case everySteps, batchSize, overrides, growth, exitEarly
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    everySteps = try c.decode(Int.self, forKey: .everySteps)
    batchSize = try c.decode(Int.self, forKey: .batchSize)
    overrides = try c.decodeIfPresent([Int: Int].self, forKey: .overrides) ?? [:]
    growth = try c.decodeIfPresent(Double.self, forKey: .growth)
    exitEarly = try c.decodeIfPresent(Bool.self, forKey: .exitEarly) ?? true
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(batchSize, forKey: .batchSize)
    try c.encode(everySteps, forKey: .everySteps)
    if !overrides.isEmpty { try c.encode(overrides, forKey: .overrides) }
    try c.encodeIfPresent(growth, forKey: .growth)
    if !exitEarly { try c.encode(exitEarly, forKey: .exitEarly) }
  }
}

/// The steps at which one trial is evaluated: every `firstStep` steps, or, with `growth`, the
/// geometric sequence s0 = firstStep, s(k+1) = max(s(k) + 1, ceil(s(k) * growth)). A trial is
/// also evaluated at its last step (the budget, or where exact early stop ends it).
public struct EvaluationCadence: Hashable, Sendable, Codable {
  public var firstStep: Int
  public var growth: Double?

  public init(firstStep: Int, growth: Double? = nil) {
    self.firstStep = max(1, firstStep)
    self.growth = growth
  }

  /// Lee et al.'s fixed interval.
  public static func every(_ steps: Int) -> EvaluationCadence {
    EvaluationCadence(firstStep: steps)
  }

  /// The evaluated step after `step`.
  public func next(after step: Int) -> Int {
    guard let growth else { return (step / firstStep + 1) * firstStep }
    var s = firstStep
    while s <= step { s = Self.grow(s, growth) }
    return s
  }

  /// Whether `step` is on the schedule.
  public func contains(_ step: Int) -> Bool {
    guard step >= firstStep else { return false }
    guard growth != nil else { return step % firstStep == 0 }
    return previous(atOrBefore: step) == step
  }

  /// The last scheduled step at or before `step`; nil before the first.
  public func previous(atOrBefore step: Int) -> Int? {
    guard step >= firstStep else { return nil }
    guard let growth else { return step / firstStep * firstStep }
    var s = firstStep
    while true {
      let n = Self.grow(s, growth)
      if n > step { return s }
      s = n
    }
  }

  /// The interval that ends at `step` (the resolution of a steps-to-result of `step`): the
  /// distance from the previous scheduled step (or from 0).
  public func interval(endingAt step: Int) -> Int {
    guard let before = previous(atOrBefore: step - 1) else { return step }
    return step - before
  }

  /// How many scheduled steps lie in 1...step.
  public func count(through step: Int) -> Int {
    guard let growth else { return step / firstStep }
    var n = 0
    var s = firstStep
    while s <= step {
      n += 1
      s = Self.grow(s, growth)
    }
    return n
  }

  private static func grow(_ s: Int, _ growth: Double) -> Int {
    let next = (Double(s) * growth).rounded(.up)
    guard next < Double(Int.max / 2) else { return Int.max / 2 }
    return max(s + 1, Int(next))
  }
}
