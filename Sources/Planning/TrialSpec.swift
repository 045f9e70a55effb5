import WorkloadModel

/// A trial's identity: lowercase hex SHA-256 of the canonical encoding of everything that shapes
/// its trajectory (see `docs/trial-identity.md`).
public struct TrialKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
  public var hex: String
  public init(hex: String) { self.hex = hex }
  public var description: String { hex }
  /// The first 12 hex digits, for tables.
  public var short: String { String(hex.prefix(12)) }
  public static func < (a: TrialKey, b: TrialKey) -> Bool { a.hex < b.hex }
}

/// One cell of the grid: the unit steps-to-result is measured on.
public struct CellID: Hashable, Sendable, Codable, Comparable {
  /// Index into `Workload.optimizers`.
  public var optimizer: Int
  public var batchSize: Int
  public var sparsity: Double

  public init(optimizer: Int, batchSize: Int, sparsity: Double) {
    self.optimizer = optimizer
    self.batchSize = batchSize
    self.sparsity = sparsity
  }

  public static func < (a: CellID, b: CellID) -> Bool {
    (a.optimizer, a.sparsity, a.batchSize) < (b.optimizer, b.sparsity, b.batchSize)
  }
}

/// A pruning mask to compute once and share: one per (init seed, sparsity, method and inputs).
public struct PruningNode: Hashable, Sendable, Codable {
  /// SHA-256 of the canonical encoding of the mask's inputs.
  public var key: TrialKey
  public var method: PruningSpec
  public var sparsity: Double
  public var initSeed: UInt64

  public init(key: TrialKey, method: PruningSpec, sparsity: Double, initSeed: UInt64) {
    self.key = key
    self.method = method
    self.sparsity = sparsity
    self.initSeed = initSeed
  }
}

/// Everything one training run needs, fully resolved: no defaults left, no workload needed.
public struct TrialSpec: Hashable, Sendable, Codable {
  public var key: TrialKey
  public var cell: CellID
  /// Point index in the quasi-random sequence (0-based trial number within the cell).
  public var index: Int

  // Identity: what shapes the trajectory.
  public var dataset: DatasetSpec
  /// SHA-256 over the dataset's decompressed file contents (or the pinned digests).
  public var datasetDigest: String
  public var model: ModelSpec
  public var optimizer: OptimizerKind
  public var schedule: ScheduleKind
  /// Every metaparameter of the optimizer and schedule, resolved to a number.
  public var metaparameters: [Metaparameter: Double]
  public var batchSize: Int
  public var sparsity: Double
  /// The mask this trial trains under (nil for sparsity 0).
  public var pruning: PruningNode?
  public var initSeed: UInt64
  public var dataSeed: UInt64
  /// The evaluation interval at this batch size; with `evaluationGrowth`, the first evaluated
  /// step of a geometric schedule (see `EvaluationCadence`).
  public var evaluationEverySteps: Int
  /// Nil for a fixed interval (Lee et al.); in the key only when set.
  public var evaluationGrowth: Double?
  public var trainerVersion: Int

  // Stopping rule: not part of the key.
  public var goal: Goal
  public var maxSteps: Int
  public var giveUp: [GiveUpRule]
  /// Whether an evaluation may stop once it proves the goal missed (not part of the key: it
  /// changes only what is stored for points that miss the goal).
  public var exitEarly: Bool

  public init(
    key: TrialKey, cell: CellID, index: Int, dataset: DatasetSpec, datasetDigest: String,
    model: ModelSpec, optimizer: OptimizerKind, schedule: ScheduleKind,
    metaparameters: [Metaparameter: Double], batchSize: Int, sparsity: Double,
    pruning: PruningNode?, initSeed: UInt64, dataSeed: UInt64, evaluationEverySteps: Int,
    evaluationGrowth: Double? = nil, trainerVersion: Int, goal: Goal, maxSteps: Int,
    giveUp: [GiveUpRule], exitEarly: Bool = true
  ) {
    self.key = key
    self.cell = cell
    self.index = index
    self.dataset = dataset
    self.datasetDigest = datasetDigest
    self.model = model
    self.optimizer = optimizer
    self.schedule = schedule
    self.metaparameters = metaparameters
    self.batchSize = batchSize
    self.sparsity = sparsity
    self.pruning = pruning
    self.initSeed = initSeed
    self.dataSeed = dataSeed
    self.evaluationEverySteps = evaluationEverySteps
    self.evaluationGrowth = evaluationGrowth
    self.trainerVersion = trainerVersion
    self.goal = goal
    self.maxSteps = maxSteps
    self.giveUp = giveUp
    self.exitEarly = exitEarly
  }

  /// The steps this trial is evaluated at (and at its last step).
  public var evaluationCadence: EvaluationCadence {
    EvaluationCadence(firstStep: evaluationEverySteps, growth: evaluationGrowth)
  }
}

/// The compiled study: the workload it came from, its pruning nodes and its trials, in order.
public struct ExecutionPlan: Hashable, Sendable, Codable {
  /// Bumped on any change to the plan JSON layout or to the trial-key encoding.
  public static let formatVersion = 2

  public var workload: Workload
  public var pruningNodes: [PruningNode]
  public var trials: [TrialSpec]
  /// The dataset digest every trial key was computed with (see `TrialSpec.datasetDigest`).
  public var datasetDigest: String
  /// The trainer version every trial key was computed with.
  public var trainerVersion: Int

  public init(
    workload: Workload, pruningNodes: [PruningNode], trials: [TrialSpec],
    datasetDigest: String = "", trainerVersion: Int = TrialIdentity.defaultTrainerVersion
  ) {
    self.workload = workload
    self.pruningNodes = pruningNodes
    self.trials = trials
    self.datasetDigest = datasetDigest
    self.trainerVersion = trainerVersion
  }
}
