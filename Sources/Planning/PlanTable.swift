import Crypto
import Primitives
import WorkloadModel

/// A compiled plan in the shape it has: what every trial shares is held once, and each trial
/// is a 56-byte row of what varies (its key as 32 bytes, its index, and positions in the shared
/// tables of points and masks).
///
/// `ExecutionPlan` spells every trial out as a `TrialSpec` (about 500 bytes, most of them copies
/// of the workload's dataset, model and stopping rule), which is what `run` hands to the
/// scheduler. Reading, writing and diffing 100,000-trial plans work on this form instead, and
/// build `TrialSpec`s only when asked (`executionPlan()`, `spec(_:)`). It is also the layout of
/// the saved plan (format version 2, `PlanDocument`).
public struct PlanTable: Sendable {
  /// What trial i shares across cells in the paired design: its seeds and its point in the
  /// search space, resolved (one per optimizer and index in a compiled plan).
  public struct Point: Hashable, Sendable {
    public var initSeed: UInt64
    public var dataSeed: UInt64
    public var metaparameters: [Metaparameter: Double]

    public init(initSeed: UInt64, dataSeed: UInt64, metaparameters: [Metaparameter: Double]) {
      self.initSeed = initSeed
      self.dataSeed = dataSeed
      self.metaparameters = metaparameters
    }
  }

  /// A run of consecutive trials of one cell (a compiled plan has one run per cell).
  public struct Cell: Hashable, Sendable {
    public var id: CellID
    public var maxSteps: Int
    /// Positions in `trials`.
    public var trials: Range<Int>
  }

  public struct Trial: Hashable, Sendable {
    public var key: TrialDigest
    public var index: Int
    /// Position in `points`.
    public var point: Int32
    /// Position in `pruningNodes`, or -1 for no mask.
    public var mask: Int32
    /// Position in `cells`.
    public var cell: Int32
  }

  public var workload: Workload
  public var datasetDigest: String
  public var trainerVersion: Int
  public var pruningNodes: [PruningNode]
  public var points: [Point]
  public var cells: [Cell]
  public var trials: [Trial]

  init(
    workload: Workload, datasetDigest: String, trainerVersion: Int, pruningNodes: [PruningNode],
    points: [Point], cells: [Cell], trials: [Trial]
  ) {
    self.workload = workload
    self.datasetDigest = datasetDigest
    self.trainerVersion = trainerVersion
    self.pruningNodes = pruningNodes
    self.points = points
    self.cells = cells
    self.trials = trials
  }

  /// The table of a plan built elsewhere. Trials keep their order; the values a `TrialSpec`
  /// repeats from its plan (dataset, model, optimizer, stopping rule) are taken from the plan's
  /// workload, as the saved plan has always done. A key that is not 64 hex digits (only
  /// hand-built plans have one) is stood in for by the SHA-256 of its text, so it still
  /// differs from every other key; `hasOnlyHexKeys` says whether that happened.
  public init(_ plan: ExecutionPlan) {
    var nodes = plan.pruningNodes
    var nodeIndex: [TrialKey: Int32] = [:]
    for (i, node) in nodes.enumerated() where nodeIndex[node.key] == nil {
      nodeIndex[node.key] = Int32(i)
    }
    /// Points are told apart by optimizer and index as well as by value, as the compiler does
    /// (two optimizers may resolve to the same values), so a compiled plan's table is the one
    /// the compiler built, and its saved bytes are the same whichever way they are reached.
    struct PointKey: Hashable {
      var optimizer: Int
      var index: Int
      var point: Point
    }
    var points: [Point] = []
    var pointIndex: [PointKey: Int32] = [:]
    var cells: [Cell] = []
    var trials: [Trial] = []
    trials.reserveCapacity(plan.trials.count)
    var hexKeys = true
    for t in plan.trials {
      if let last = cells.last, last.id == t.cell, last.maxSteps == t.maxSteps {
        cells[cells.count - 1].trials = last.trials.lowerBound..<last.trials.upperBound + 1
      } else {
        cells.append(
          Cell(id: t.cell, maxSteps: t.maxSteps, trials: trials.count..<trials.count + 1))
      }
      var mask: Int32 = -1
      if let node = t.pruning {
        if let known = nodeIndex[node.key] {
          mask = known
        } else {
          mask = Int32(nodes.count)
          nodeIndex[node.key] = mask
          nodes.append(node)
        }
      }
      let point = Point(initSeed: t.initSeed, dataSeed: t.dataSeed, metaparameters: t.metaparameters)
      let id = PointKey(optimizer: t.cell.optimizer, index: t.index, point: point)
      let p: Int32
      if let known = pointIndex[id] {
        p = known
      } else {
        p = Int32(points.count)
        pointIndex[id] = p
        points.append(point)
      }
      let digest: TrialDigest
      if let parsed = TrialDigest(t.key) {
        digest = parsed
      } else {
        hexKeys = false
        digest = TrialDigest(SHA256.hash(data: Array(t.key.hex.utf8)))
      }
      trials.append(
        Trial(key: digest, index: t.index, point: p, mask: mask, cell: Int32(cells.count - 1)))
    }
    self.init(
      workload: plan.workload, datasetDigest: plan.datasetDigest,
      trainerVersion: plan.trainerVersion, pruningNodes: nodes, points: points, cells: cells,
      trials: trials)
    hasOnlyHexKeys = hexKeys
  }

  /// False when a key of the plan this was built from was not 64 hex digits.
  public private(set) var hasOnlyHexKeys = true

  /// Every trial as a `TrialSpec`, in order.
  public func executionPlan() -> ExecutionPlan {
    var specs: [TrialSpec] = []
    specs.reserveCapacity(trials.count)
    for row in trials.indices { specs.append(spec(row)) }
    return ExecutionPlan(
      workload: workload, pruningNodes: pruningNodes, trials: specs,
      datasetDigest: datasetDigest, trainerVersion: trainerVersion)
  }

  /// Trial `row` as a `TrialSpec`.
  public func spec(_ row: Int) -> TrialSpec {
    let t = trials[row]
    let cell = cells[Int(t.cell)]
    let point = points[Int(t.point)]
    let optimizer = workload.optimizers[cell.id.optimizer]
    return TrialSpec(
      key: t.key.key, cell: cell.id, index: t.index, dataset: workload.dataset,
      datasetDigest: datasetDigest, model: workload.model, optimizer: optimizer.kind,
      schedule: optimizer.schedule, metaparameters: point.metaparameters,
      batchSize: cell.id.batchSize, sparsity: cell.id.sparsity,
      pruning: t.mask < 0 ? nil : pruningNodes[Int(t.mask)], initSeed: point.initSeed,
      dataSeed: point.dataSeed,
      evaluationEverySteps: workload.evaluation.cadence(batchSize: cell.id.batchSize).firstStep,
      evaluationGrowth: workload.evaluation.growth, trainerVersion: trainerVersion,
      goal: workload.goal, maxSteps: cell.maxSteps, giveUp: workload.budget.giveUp,
      exitEarly: workload.evaluation.exitEarly)
  }

  /// Every trial's key, in order.
  public var keys: [TrialKey] { trials.map { $0.key.key } }

  /// The canonical bytes of each point's metaparameter object (as
  /// `TrialIdentity.metaparameterBytes`), which every key of the point hashes.
  func metaparameterBytes() -> [[UInt8]] {
    points.map { Self.metaparameterBytes($0.metaparameters) }
  }

  static func metaparameterBytes(_ values: [Metaparameter: Double]) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "{")]
    let sorted = values.sorted { $0.key.rawValue.utf8.lexicographicallyPrecedes($1.key.rawValue.utf8) }
    for (i, (name, value)) in sorted.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      CanonicalJSON.writeString(name.rawValue, to: &out)
      out.append(UInt8(ascii: ":"))
      out.append(contentsOf: CanonicalJSON.format(value).utf8)
    }
    out.append(UInt8(ascii: "}"))
    return out
  }
}
