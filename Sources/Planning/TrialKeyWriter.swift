import Crypto
import WorkloadModel

/// Writes a trial's canonical encoding (`TrialIdentity.trialEncoding`, byte for byte; a test
/// holds them equal) and hashes it, for the code that keys every trial of a plan: compiling and
/// reading saved plans.
///
/// Most of the 700-odd bytes are the same for every trial of a cell (the batch size, dataset,
/// model, optimizer, sparsity, versions), so they are serialised once per cell into three
/// segments, and a key costs four copies, two integers written in place and one SHA-256. The
/// field order is the canonical (sorted) one:
/// `batch_size, data_seed, dataset, evaluation_every_steps, init_seed, key_encoding, kind,
/// metaparameters, model, optimizer, pruning, schedule, sparsity, trainer_version`.
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

  init(_ context: TrialIdentity.Context, evaluationEverySteps: Int) {
    trainerVersion = context.trainerVersion
    dataset.append(contentsOf: #","dataset":"#.utf8)
    dataset.append(contentsOf: context.dataset)
    dataset.append(contentsOf: #","evaluation_every_steps":"#.utf8)
    dataset.append(contentsOf: String(evaluationEverySteps).utf8)
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

  /// The key of one trial of the current cell. `metaparameters` is the canonical bytes of the
  /// resolved metaparameter object.
  mutating func key(
    dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8], pruning: TrialDigest?
  ) -> TrialDigest {
    encode(dataSeed: dataSeed, initSeed: initSeed, metaparameters: metaparameters, pruning: pruning)
    return TrialDigest(SHA256.hash(data: buffer))
  }

  /// The encoding `key` hashes, for tests.
  mutating func encoding(
    dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8], pruning: TrialDigest?
  ) -> [UInt8] {
    encode(dataSeed: dataSeed, initSeed: initSeed, metaparameters: metaparameters, pruning: pruning)
    return buffer
  }

  private mutating func encode(
    dataSeed: UInt64, initSeed: UInt64, metaparameters: [UInt8], pruning: TrialDigest?
  ) {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: head)
    Self.appendDecimal(dataSeed, to: &buffer)
    buffer.append(contentsOf: dataset)
    Self.appendDecimal(initSeed, to: &buffer)
    buffer.append(contentsOf: encoding)
    buffer.append(contentsOf: metaparameters)
    buffer.append(contentsOf: model)
    buffer.append(contentsOf: optimizer)
    if let pruning {
      buffer.append(UInt8(ascii: "\""))
      pruning.writeHex(to: &buffer)
      buffer.append(UInt8(ascii: "\""))
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
