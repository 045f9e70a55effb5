import Crypto
import Primitives
import WorkloadModel

/// The canonical encoding a trial's key is hashed from, and its version.
///
/// A key covers everything that shapes a trial's trajectory and nothing else: see
/// `docs/trial-identity.md` for the exact fields. Changing what goes in, or how it is written,
/// changes every key; such a change must bump `keyEncodingVersion`, which is itself hashed, so
/// the change is a visible, versioned event rather than a silent one.
public enum TrialIdentity {
  /// Version of the encoding below. Hashed into every key.
  public static let keyEncodingVersion = 1
  /// The trainer version plans are compiled for unless the caller says otherwise. The trainer
  /// bumps it when a change to it would change a trajectory; it is hashed into every key.
  public static let defaultTrainerVersion = 1

  /// The dataset's identity: what the data is, never where it lives.
  public static func dataset(_ spec: DatasetSpec, digest: String) -> CanonicalJSON {
    .object([
      "name": .string(spec.name.rawValue),
      "holdout": .int(Int64(spec.validation.holdout)),
      "split_seed": .int(Int64(spec.validation.seed)),
      "normalization": .string(spec.normalization.rawValue),
      "digest": .string(digest),
    ])
  }

  /// The model: architecture (name, and widths or layers where it has them) and initialiser.
  public static func model(_ spec: ModelSpec) -> CanonicalJSON {
    var architecture: [String: CanonicalJSON] = ["name": .string(spec.architecture.name)]
    switch spec.architecture {
    case .simpleCNN, .shallueSimpleCNN, .resnet8: break
    case .fullyConnected(let hidden): architecture["hidden"] = .array(hidden.map(int))
    case .layers(let layers): architecture["layers"] = .array(layers.map(layer))
    }
    let initializer: CanonicalJSON
    switch spec.initializer {
    case .varianceScaling(let scale, let mode, let distribution):
      initializer = .object([
        "kind": .string("variance-scaling"), "scale": .double(scale),
        "mode": .string(mode.rawValue), "distribution": .string(distribution.rawValue),
      ])
    }
    return .object(["architecture": .object(architecture), "init": initializer])
  }

  static func layer(_ spec: LayerSpec) -> CanonicalJSON {
    switch spec {
    case .conv2d(let filters, let kernel, let stride, let padding, let bias):
      return .object([
        "kind": .string("conv2d"), "filters": int(filters), "kernel": int(kernel),
        "stride": int(stride), "padding": .string(padding.rawValue), "bias": .bool(bias),
      ])
    case .maxPool(let window, let stride):
      return .object(["kind": .string("max-pool"), "window": int(window), "stride": int(stride)])
    case .avgPool(let window, let stride):
      return .object(["kind": .string("avg-pool"), "window": int(window), "stride": int(stride)])
    case .dense(let units, let bias):
      return .object(["kind": .string("dense"), "units": int(units), "bias": .bool(bias)])
    case .relu: return .object(["kind": .string("relu")])
    case .flatten: return .object(["kind": .string("flatten")])
    case .globalAvgPool: return .object(["kind": .string("global-avg-pool")])
    case .residual(let body):
      return .object(["kind": .string("residual"), "body": .array(body.map(layer))])
    }
  }

  /// The pruning method and the inputs it scores on.
  public static func pruningMethod(_ spec: PruningSpec) -> CanonicalJSON {
    let examples: CanonicalJSON
    switch spec.examples {
    case .all(let batchSize): examples = .object(["all": .object(["batch_size": int(batchSize)])])
    case .count(let n): examples = .object(["count": int(n)])
    case .perClass(let n): examples = .object(["per_class": int(n)])
    }
    var members: [String: CanonicalJSON] = [
      "method": .string(spec.method.rawValue), "examples": examples,
      "prunable": .string(spec.prunable.rawValue), "scope": .string(spec.scope.rawValue),
    ]
    if let t = spec.temperature { members["temperature"] = .double(t) }
    return .object(members)
  }

  /// The fragments every trial and mask of one plan shares, serialised once.
  public struct Context: Sendable {
    public var dataset: [UInt8]
    public var model: [UInt8]
    public var trainerVersion: Int

    public init(dataset: DatasetSpec, datasetDigest: String, model: ModelSpec, trainerVersion: Int)
    {
      self.dataset = TrialIdentity.dataset(dataset, digest: datasetDigest).bytes
      self.model = TrialIdentity.model(model).bytes
      self.trainerVersion = trainerVersion
    }
  }

  /// The canonical encoding of a pruning mask's inputs.
  public static func pruningEncoding(
    _ context: Context, method: CanonicalJSON, sparsity: Double, initSeed: UInt64
  ) -> CanonicalJSON {
    .object([
      "key_encoding": int(keyEncodingVersion),
      "kind": .string("pruning-mask"),
      "trainer_version": int(context.trainerVersion),
      "dataset": .raw(context.dataset),
      "model": .raw(context.model),
      "method": method,
      "sparsity": .double(sparsity),
      "init_seed": .uint(initSeed),
    ])
  }

  /// The canonical encoding of a trial: see `docs/trial-identity.md`.
  public static func trialEncoding(
    _ context: Context, optimizer: OptimizerKind, schedule: ScheduleKind,
    metaparameters: [Metaparameter: Double], batchSize: Int, sparsity: Double,
    pruningKey: TrialKey?, initSeed: UInt64, dataSeed: UInt64, evaluationEverySteps: Int,
    evaluationGrowth: Double? = nil
  ) -> CanonicalJSON {
    var values: [String: CanonicalJSON] = [:]
    for (name, value) in metaparameters { values[name.rawValue] = .double(value) }
    var members: [String: CanonicalJSON] = [
      "key_encoding": int(keyEncodingVersion),
      "kind": .string("trial"),
      "trainer_version": int(context.trainerVersion),
      "dataset": .raw(context.dataset),
      "model": .raw(context.model),
      "optimizer": .string(optimizer.rawValue),
      "schedule": .string(schedule.rawValue),
      "metaparameters": .object(values),
      "batch_size": int(batchSize),
      "sparsity": .double(sparsity),
      "pruning": pruningKey.map { .string($0.hex) } ?? .null,
      "init_seed": .uint(initSeed),
      "data_seed": .uint(dataSeed),
      "evaluation_every_steps": int(evaluationEverySteps),
    ]
    // Only a geometric schedule adds a member, so every fixed-interval key is unchanged.
    if let evaluationGrowth { members["evaluation_growth"] = .double(evaluationGrowth) }
    return .object(members)
  }

  /// The compiler's fast path: exactly the bytes of `trialEncoding(...)` (a test holds them
  /// equal), written straight into `buffer` in the fixed sorted key order instead of through a
  /// dictionary, because a 100,000-trial plan hashes 100,000 of them.
  /// `metaparameters` is the canonical bytes of the metaparameter object.
  public static func trialKey(
    _ context: Context, optimizer: OptimizerKind, schedule: ScheduleKind,
    metaparameters: [UInt8], batchSize: Int, sparsity: Double, pruningKey: TrialKey?,
    initSeed: UInt64, dataSeed: UInt64, evaluationEverySteps: Int,
    evaluationGrowth: Double? = nil, buffer: inout [UInt8]
  ) -> TrialKey {
    buffer.removeAll(keepingCapacity: true)
    func key(_ name: String) {
      buffer.append(contentsOf: name.utf8)
    }
    key(#"{"batch_size":"#)
    buffer.append(contentsOf: String(batchSize).utf8)
    key(#","data_seed":"#)
    buffer.append(contentsOf: String(dataSeed).utf8)
    key(#","dataset":"#)
    buffer.append(contentsOf: context.dataset)
    key(#","evaluation_every_steps":"#)
    buffer.append(contentsOf: String(evaluationEverySteps).utf8)
    if let evaluationGrowth {
      key(#","evaluation_growth":"#)
      buffer.append(contentsOf: CanonicalJSON.format(evaluationGrowth).utf8)
    }
    key(#","init_seed":"#)
    buffer.append(contentsOf: String(initSeed).utf8)
    key(#","key_encoding":"#)
    buffer.append(contentsOf: String(keyEncodingVersion).utf8)
    key(#","kind":"trial","metaparameters":"#)
    buffer.append(contentsOf: metaparameters)
    key(#","model":"#)
    buffer.append(contentsOf: context.model)
    key(#","optimizer":"#)
    CanonicalJSON.writeString(optimizer.rawValue, to: &buffer)
    key(#","pruning":"#)
    if let pruningKey {
      CanonicalJSON.writeString(pruningKey.hex, to: &buffer)
    } else {
      key("null")
    }
    key(#","schedule":"#)
    CanonicalJSON.writeString(schedule.rawValue, to: &buffer)
    key(#","sparsity":"#)
    buffer.append(contentsOf: CanonicalJSON.format(sparsity).utf8)
    key(#","trainer_version":"#)
    buffer.append(contentsOf: String(context.trainerVersion).utf8)
    buffer.append(UInt8(ascii: "}"))
    return TrialKey(hex: hex(SHA256.hash(data: buffer)))
  }

  /// The canonical bytes of a resolved metaparameter map.
  public static func metaparameterBytes(_ values: [Metaparameter: Double]) -> [UInt8] {
    var members: [String: CanonicalJSON] = [:]
    for (name, value) in values { members[name.rawValue] = .double(value) }
    return CanonicalJSON.object(members).bytes
  }

  /// SHA-256 of the canonical bytes, as 32 bytes.
  public static func digest(of encoding: CanonicalJSON) -> TrialDigest {
    TrialDigest(SHA256.hash(data: encoding.bytes))
  }

  /// Lowercase hex SHA-256 of the canonical bytes.
  public static func key(of encoding: CanonicalJSON) -> TrialKey {
    let digest = SHA256.hash(data: encoding.bytes)
    return TrialKey(hex: hex(digest))
  }

  static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func int(_ value: Int) -> CanonicalJSON { .int(Int64(value)) }
}
