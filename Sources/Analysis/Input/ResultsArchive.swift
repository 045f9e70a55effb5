import ResultsStore
import Scheduling
import WorkloadModel

/// Everything the analysis reads, as plain values, so that analysis and report do not depend on
/// how results are stored. The results store produces one of these; so does a JSON file
/// (`stepwise report --from-json`), which is how tests and other tools feed the report.
public struct ResultsArchive: Hashable, Sendable, Codable {
  /// Bumped on any incompatible change to this layout (see `docs/report-format.md`).
  public static let currentFormatVersion = 1

  public var formatVersion: Int
  public var studies: [StudyResults]

  public init(formatVersion: Int = ResultsArchive.currentFormatVersion, studies: [StudyResults]) {
    self.formatVersion = formatVersion
    self.studies = studies
  }
}

/// One workload's results: its goal, its cells and the masks its sparse trials trained under.
public struct StudyResults: Hashable, Sendable, Codable {
  /// The workload's `name`; user-provided, so escaped wherever it is rendered.
  public var workload: String
  /// The dataset's name (`mnist`, `fashion-mnist`, ...), for comparisons across workloads.
  public var dataset: String
  /// The goal the trials were run (and stopped) against.
  public var goal: Goal
  /// Evaluation cadence in steps; it is the resolution of every steps-to-result.
  public var evaluationEverySteps: Int?
  public var cells: [CellResults]
  public var masks: [MaskDensity]

  public init(
    workload: String, dataset: String, goal: Goal, evaluationEverySteps: Int? = nil,
    cells: [CellResults], masks: [MaskDensity] = []
  ) {
    self.workload = workload
    self.dataset = dataset
    self.goal = goal
    self.evaluationEverySteps = evaluationEverySteps
    self.cells = cells
    self.masks = masks
  }
}

/// One (optimizer, batch size, sparsity) cell and all of its trials.
public struct CellResults: Hashable, Sendable, Codable {
  public var optimizer: OptimizerKind
  /// Tells two optimizers of one workload apart (for example `nesterov` and
  /// `nesterov linear-decay`); curves are grouped by it.
  public var optimizerName: String
  public var batchSize: Int
  public var sparsity: Double
  public var trials: [TrialResult]

  public init(
    optimizer: OptimizerKind, optimizerName: String? = nil, batchSize: Int, sparsity: Double,
    trials: [TrialResult]
  ) {
    self.optimizer = optimizer
    self.optimizerName = optimizerName ?? optimizer.rawValue
    self.batchSize = batchSize
    self.sparsity = sparsity
    self.trials = trials
  }
}

/// A trial's state as the store records it (DESIGN §5), relative to the stored goal: the
/// scheduler's own type, so an archive spells states as the store and `status --json` do.
public typealias TrialState = Scheduling.TrialState

/// One trial: its metaparameters, its state and every evaluation it recorded.
public struct TrialResult: Hashable, Sendable, Codable {
  /// The trial's point index in the quasi-random sequence; ties between trials go to the lowest.
  public var index: Int
  /// The trial key (hex SHA-256).
  public var key: String
  public var state: TrialState
  /// Metaparameter values by name (`learning_rate`, `momentum`, ...).
  public var metaparameters: [String: Double]
  public var curve: EvaluationCurve
  /// Training steps taken, and the trial's step budget, when known: a not-reached trial that
  /// stopped short of its budget was abandoned by a give-up rule, so its future is unknown.
  public var stepsRun: Int?
  public var maxSteps: Int?

  public init(
    index: Int, key: String, state: TrialState, metaparameters: [String: Double],
    curve: EvaluationCurve, stepsRun: Int? = nil, maxSteps: Int? = nil
  ) {
    self.index = index
    self.key = key
    self.state = state
    self.metaparameters = metaparameters
    self.curve = curve
    self.stepsRun = stepsRun
    self.maxSteps = maxSteps
  }

  /// True for a not-reached trial known to have stopped before its budget (a give-up rule).
  public var stoppedBeforeBudget: Bool {
    guard state == .notReached, let run = stepsRun, let budget = maxSteps else { return false }
    return run < budget
  }

  /// The learning rate, if the trial has one.
  public var learningRate: Double? { metaparameters[Metaparameter.learningRate.rawValue] }
  /// The momentum coefficient, if the optimizer has one.
  public var momentum: Double? { metaparameters[Metaparameter.momentum.rawValue] }

  /// η / (1 − γ) for momentum and Nesterov (the step size a heavy ball settles to on a constant
  /// gradient); η for SGD. Nil when the learning rate is unknown or γ ≥ 1.
  public var effectiveLearningRate: Double? {
    guard let rate = learningRate else { return nil }
    guard let gamma = momentum else { return rate }
    return gamma < 1 ? rate / (1 - gamma) : nil
  }
}

/// A trial's evaluations as parallel arrays (compact in memory and in JSON), in step order.
///
/// With counts (`wrong`, `examplesSeen`, `examplesTotal`, all three or none), the goal is tested
/// exactly on them, and a point with `examplesSeen < examplesTotal` is an evaluation that exited
/// early: its error and loss are lower bounds. Without counts (archives written before they
/// existed), the stored error is compared with the threshold.
public struct EvaluationCurve: Hashable, Sendable, Codable {
  public var steps: [Int]
  /// 1 − accuracy on the whole validation split (a lower bound at a point cut short).
  public var validationError: [Double]
  /// Mean softmax cross-entropy on the whole validation split (NaN once diverged; a lower bound
  /// at a point cut short).
  public var validationLoss: [Double]
  /// Wrong answers among the examples seen, per point.
  public var wrong: [Int]?
  /// Examples the evaluation looked at, per point.
  public var examplesSeen: [Int]?
  /// The validation split's size N, per point.
  public var examplesTotal: [Int]?

  public init(
    steps: [Int] = [], validationError: [Double] = [], validationLoss: [Double] = [],
    wrong: [Int]? = nil, examplesSeen: [Int]? = nil, examplesTotal: [Int]? = nil
  ) {
    self.steps = steps
    self.validationError = validationError
    self.validationLoss = validationLoss
    self.wrong = wrong
    self.examplesSeen = examplesSeen
    self.examplesTotal = examplesTotal
  }

  public var count: Int { steps.count }

  /// Point `i`'s counts, if the curve has them.
  public func counts(_ i: Int) -> EvaluationCounts? {
    guard let wrong, let examplesSeen, let examplesTotal, i < wrong.count,
      i < examplesSeen.count, i < examplesTotal.count
    else { return nil }
    return EvaluationCounts(wrong: wrong[i], seen: examplesSeen[i], total: examplesTotal[i])
  }

  /// Whether point `i` is a lower bound (its evaluation exited early).
  public func isBound(_ i: Int) -> Bool { counts(i).map { !$0.isComplete } ?? false }

  /// The values the goal's metric refers to.
  public func values(of metric: GoalMetric) -> [Double] {
    switch metric {
    case .validationError: return validationError
    case .validationCrossEntropy: return validationLoss
    }
  }
}

/// How dense one (sparsity, method) mask is, layer by layer.
public struct MaskDensity: Hashable, Sendable, Codable {
  public var sparsity: Double
  /// `snip`, `grasp`, `random`, `magnitude`.
  public var method: String
  public var layers: [LayerDensity]

  public init(sparsity: Double, method: String, layers: [LayerDensity]) {
    self.sparsity = sparsity
    self.method = method
    self.layers = layers
  }
}

/// Kept and total prunable parameters of one layer's tensor, as the store records them.
public typealias LayerDensity = MaskRecord.LayerDensity
