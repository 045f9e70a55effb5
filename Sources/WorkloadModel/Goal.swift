/// What is measured at each evaluation.
public enum GoalMetric: String, Hashable, Sendable, Codable, CaseIterable {
  /// 1 - accuracy on the whole validation split.
  case validationError = "validation_error"
  /// Mean softmax cross-entropy on the whole validation split.
  case validationCrossEntropy = "validation_cross_entropy"
}

/// `<` (Shallue et al.) or `<=` (Lee et al.).
public enum GoalComparison: String, Hashable, Sendable, Codable, CaseIterable {
  case below = "<"
  case atMost = "<="

  public func isMet(_ value: Double, threshold: Double) -> Bool {
    switch self {
    case .below: return value < threshold
    case .atMost: return value <= threshold
    }
  }
}

/// The stopping goal. Not part of a trial's identity: a looser goal is answered from stored curves.
public struct Goal: Hashable, Sendable, Codable {
  public var metric: GoalMetric
  public var comparison: GoalComparison
  public var threshold: Double

  public init(metric: GoalMetric = .validationError, comparison: GoalComparison, threshold: Double) {
    self.metric = metric
    self.comparison = comparison
    self.threshold = threshold
  }

  public func isMet(_ value: Double) -> Bool { comparison.isMet(value, threshold: threshold) }
}

/// A rule that abandons a trial that is far from the goal: at `step`, if the metric is still
/// above `above`, stop (state not-reached). Part of the stopping rule, not of a trial's identity.
public struct GiveUpRule: Hashable, Sendable, Codable {
  public var step: Int
  public var above: Double

  public init(step: Int, above: Double) {
    self.step = step
    self.above = above
  }
}

/// The most steps a trial may take, as a function of the batch size.
public struct StepBudget: Hashable, Sendable, Codable {
  public var maxSteps: Int
  /// Also stop after this many passes over the training split, if given.
  public var maxEpochs: Double?
  /// Exceptions by batch size.
  public var overrides: [Int: Int]
  public var giveUp: [GiveUpRule]

  public init(
    maxSteps: Int, maxEpochs: Double? = nil, overrides: [Int: Int] = [:], giveUp: [GiveUpRule] = []
  ) {
    self.maxSteps = maxSteps
    self.maxEpochs = maxEpochs
    self.overrides = overrides
    self.giveUp = giveUp
  }

  /// The step budget at a batch size on a training split of `trainingExamples`.
  public func steps(batchSize: Int, trainingExamples: Int) -> Int {
    var steps = overrides[batchSize] ?? maxSteps
    if let epochs = maxEpochs {
      let byEpochs = (epochs * Double(trainingExamples) / Double(batchSize)).rounded(.up)
      if byEpochs < Double(steps) { steps = max(1, Int(byEpochs)) }
    }
    return steps
  }
}

/// Defaults for `stepwise run`, overridden by its flags. Not part of any trial's identity.
public struct ExecutionDefaults: Hashable, Sendable, Codable {
  /// Trials at once; nil chooses from the core count.
  public var jobs: Int?
  /// Data-parallel workers per trial; nil chooses from the batch size.
  public var workers: Int?
  /// Checkpoint a running trial every this many steps (bounds what a crash can lose).
  public var checkpointEverySteps: Int

  public init(jobs: Int? = nil, workers: Int? = nil, checkpointEverySteps: Int = 1000) {
    self.jobs = jobs
    self.workers = workers
    self.checkpointEverySteps = checkpointEverySteps
  }
}
