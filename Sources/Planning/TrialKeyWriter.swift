import Crypto
import Primitives
import WorkloadModel

/// Writes a trial's canonical encoding (`TrialIdentity.trialEncoding`, byte for byte; a test
/// holds them equal) and hashes it, for the code that keys every trial of a plan: compiling and
/// reading saved plans.
///
/// The encoding's fields, in canonical (sorted) order, fall into runs that depend on one thing
/// each: `{"batch_size":B,"data_seed":` (the cell), then `D,"dataset":…,
/// "evaluation_every_steps":E[,"evaluation_growth":G],"init_seed":I,"key_encoding":1,"kind":"trial",
/// "metaparameters":{…},"model":…` (the point, once the plan's dataset and model are fixed),
/// then `,"optimizer":"o","pruning":` (the cell), the mask's key or `null`, and
/// `,"schedule":"s","sparsity":S,"trainer_version":T}` (the cell). Callers serialise each point
/// (`body`) and mask (`pruning`) once, so a key costs five copies and one SHA-256.
struct TrialKeyWriter {
  /// `,"dataset":…,"evaluation_every_steps":E,"init_seed":` (per plan).
  private var dataset: [UInt8] = []
  /// `,"key_encoding":1,"kind":"trial","metaparameters":` (constant).
  private var encoding: [UInt8] = []
  /// `,"model":…` (per plan).
  private var model: [UInt8] = []
  /// `{"batch_size":B,"data_seed":` (per cell).
  private var head: [UInt8] = []
  /// `,"optimizer":"o","pruning":` (per cell).
  private var optimizer: [UInt8] = []
  /// `,"schedule":"s","sparsity":S,"trainer_version":T}` (per cell).
  private var tail: [UInt8] = []
  private let trainerVersion: Int
  private var buffer: [UInt8] = []

  init(_ context: TrialIdentity.Context, evaluationEverySteps: Int, evaluationGrowth: Double? = nil)
  {
    trainerVersion = context.trainerVersion
    dataset.append(contentsOf: #","dataset":"#.utf8)
    dataset.append(contentsOf: context.dataset)
    dataset.append(contentsOf: #","evaluation_every_steps":"#.utf8)
    dataset.append(contentsOf: String(evaluationEverySteps).utf8)
    if let evaluationGrowth {
      dataset.append(contentsOf: #","evaluation_growth":"#.utf8)
      dataset.append(contentsOf: CanonicalJSON.format(evaluationGrowth).utf8)
    }
    dataset.append(contentsOf: #","init_seed":"#.utf8)
    encoding.append(contentsOf: #","key_encoding":"#.utf8)
    encoding.append(contentsOf: String(TrialIdentity.keyEncodingVersion).utf8)
    encoding.append(contentsOf: #","kind":"trial","metaparameters":"#.utf8)
    model.append(contentsOf: #","model":"#.utf8)
    model.append(contentsOf: context.model)
    buffer.reserveCapacity(2048)
  }

  /// Sets the per-cell segments; call before `key` whenever the cell changes.
  mutating func cell(
    batchSize: Int, optimizer kind: OptimizerKind, schedule: ScheduleKind, sparsity: Double
  ) {
    head.removeAll(keepingCapacity: true)
    head.append(contentsOf: #"{"batch_size":"#.utf8)
    head.append(contentsOf: String(batchSize).utf8)
    head.append(contentsOf: #","data_seed":"#.utf8)
    optimizer.removeAll(keepingCapacity: true)
    optimizer.append(contentsOf: #","optimizer":"#.utf8)
    CanonicalJSON.writeString(kind.rawValue, to: &optimizer)
    optimizer.append(contentsOf: #","pruning":"#.utf8)
    tail.removeAll(keepingCapacity: true)
    tail.append(contentsOf: #","schedule":"#.utf8)
    CanonicalJSON.writeString(schedule.rawValue, to: &tail)
    tail.append(contentsOf: #","sparsity":"#.utf8)
    tail.append(contentsOf: CanonicalJSON.format(sparsity).utf8)
    tail.append(contentsOf: #","trainer_version":"#.utf8)
    tail.append(contentsOf: String(trainerVersion).utf8)
    tail.append(UInt8(ascii: "}"))
  }

  /// The bytes a point contributes to each of its trials' encodings (from the data seed to the
  /// model). `metaparameters` is the canonical bytes of the resolved metaparameter object.
  func body(dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(
      40 + dataset.count + encoding.count + metaparameters.count + model.count)
    Self.appendDecimal(dataSeed, to: &out)
    out.append(contentsOf: dataset)
    Self.appendDecimal(initSeed, to: &out)
    out.append(contentsOf: encoding)
    out.append(contentsOf: metaparameters)
    out.append(contentsOf: model)
    return out
  }

  /// A mask's key as the encoding holds it: 64 hex digits in quotes.
  static func pruning(_ digest: TrialDigest) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    out.reserveCapacity(66)
    digest.writeHex(to: &out)
    out.append(UInt8(ascii: "\""))
    return out
  }

  /// The key of one trial of the current cell, from its point's `body` and its mask's
  /// `pruning` bytes (nil: no mask).
  mutating func key(body: [UInt8], pruning: [UInt8]?) -> TrialDigest {
    encode(body: body, pruning: pruning)
    return TrialDigest(SHA256.hash(data: buffer))
  }

  /// `key` from the values, serialising the point and mask on the spot (tests).
  mutating func key(
    dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8], pruning: TrialDigest?
  ) -> TrialDigest {
    key(
      body: body(dataSeed: dataSeed, initSeed: initSeed, metaparameters: metaparameters),
      pruning: pruning.map(Self.pruning))
  }

  /// The encoding `key` hashes, for tests.
  mutating func encoding(
    dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8], pruning: TrialDigest?
  ) -> [UInt8] {
    encode(
      body: body(dataSeed: dataSeed, initSeed: initSeed, metaparameters: metaparameters),
      pruning: pruning.map(Self.pruning))
    return buffer
  }

  private mutating func encode(body: [UInt8], pruning: [UInt8]?) {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: head)
    buffer.append(contentsOf: body)
    buffer.append(contentsOf: optimizer)
    if let pruning {
      buffer.append(contentsOf: pruning)
    } else {
      buffer.append(contentsOf: "null".utf8)
    }
    buffer.append(contentsOf: tail)
  }

  /// Plain decimal, as `String(value)`, without building the `String`.
  static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
    var count = 1
    var rest = value
    while rest >= 10 {
      rest /= 10
      count += 1
    }
    let start = out.count
    out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
    rest = value
    var i = start + count - 1
    repeat {
      out[i] = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
      rest /= 10
      i -= 1
    } while rest > 0
  }
}

/// `TrialKeyWriter` for a plan whose evaluation cadence may differ by batch size: one writer, and
/// one serialised body per point, for each distinct cadence, made when a cell first needs it (a
/// fixed cadence makes exactly one, as before).
struct CadenceKeyWriter {
  private let context: TrialIdentity.Context
  private let evaluation: EvaluationPolicy
  /// Each point's seeds and canonical metaparameter bytes.
  private let points: [(dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8])]
  private var writers: [EvaluationCadence: TrialKeyWriter] = [:]
  private var bodies: [EvaluationCadence: [[UInt8]]] = [:]
  private var current: EvaluationCadence?

  init(
    _ context: TrialIdentity.Context, evaluation: EvaluationPolicy,
    points: [(dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8])]
  ) {
    self.context = context
    self.evaluation = evaluation
    self.points = points
  }

  var pointCount: Int { points.count }

  /// Sets the cell (and with it the cadence); call before `key` whenever the cell changes.
  mutating func cell(
    batchSize: Int, optimizer kind: OptimizerKind, schedule: ScheduleKind, sparsity: Double
  ) {
    let cadence = evaluation.cadence(batchSize: batchSize)
    current = cadence
    var writer =
      writers[cadence]
      ?? TrialKeyWriter(
        context, evaluationEverySteps: cadence.firstStep, evaluationGrowth: cadence.growth)
    if bodies[cadence] == nil {
      bodies[cadence] = points.map {
        writer.body(dataSeed: $0.dataSeed, initSeed: $0.initSeed, metaparameters: $0.metaparameters)
      }
    }
    writer.cell(batchSize: batchSize, optimizer: kind, schedule: schedule, sparsity: sparsity)
    writers[cadence] = writer
  }

  /// The key of point `point`'s trial in the current cell.
  mutating func key(point: Int, pruning: [UInt8]?) -> TrialDigest {
    guard let cadence = current, var writer = writers[cadence], let body = bodies[cadence]?[point]
    else { preconditionFailure("CadenceKeyWriter.key before cell") }
    let digest = writer.key(body: body, pruning: pruning)
    writers[cadence] = writer
    return digest
  }
}
