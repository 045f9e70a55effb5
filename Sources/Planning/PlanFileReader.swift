import Foundation
import WorkloadModel

/// Reads a saved plan of format version 1 (the layout before shared points and mask positions,
/// still read so that plans saved by earlier versions keep working) into an `ExecutionPlan`.
/// `PlanTableReader` reads version 2; `PlanDocument.decode` picks by the file's version.
///
/// Why not `JSONDecoder`: reading two 100,000-trial plans through it took 6-8 s CPU and 345 MB
/// (it materialises every value of 30 MB of JSON as a Foundation tree before decoding), against a
/// 1 s budget. This reads the trials in one pass with `PlanJSONScanner`; only the workload, a few
/// kilobytes, still goes through `JSONDecoder`, which keeps its many types' `Codable` the single
/// source of truth for their shape.
///
/// Every key is still recomputed and compared (with the compiler's direct writer), because a
/// plan is also what `stepwise run` trains from: a hand-edited or stale file must be refused
/// rather than trained under a key that does not describe it. The old `JSONDecoder` path stays
/// in `PlanDocument.referenceDecode`, which tests hold this reader equal to.
struct PlanFileReader {
  private let bytes: [UInt8]

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  func read() throws -> ExecutionPlan {
    try bytes.withUnsafeBufferPointer { buffer in
      var scanner = PlanJSONScanner(buffer)
      let top = try Self.topLevel(&scanner)
      return try rebuild(top, buffer)
    }
  }

  // MARK: Top level

  /// Where each top-level member's value lies. Canonical order puts `cells` first, but the
  /// trials can only be checked once the workload and the masks are known, so the top level is
  /// located first and read in dependency order.
  struct TopLevel {
    var members: [String: Range<Int>] = [:]

    /// A scanner at member `name`'s value.
    func scanner(_ name: String, _ buffer: UnsafeBufferPointer<UInt8>) throws -> PlanJSONScanner {
      guard let range = members[name] else {
        throw PlanDocumentError.malformed("missing '\(name)' at the top level")
      }
      return PlanJSONScanner(buffer, position: range.lowerBound)
    }
  }

  static func topLevel(_ scanner: inout PlanJSONScanner) throws -> TopLevel {
    var top = TopLevel()
    try scanner.object { scanner, key in
      let start = scanner.position
      let range = try scanner.skipValue()
      guard top.members.updateValue(range, forKey: key) == nil else {
        throw scanner.error("a second '\(key)'", at: start)
      }
    }
    scanner.skipWhitespace()
    guard scanner.isAtEnd else { throw scanner.error("text after the plan") }
    return top
  }

  func rebuild(_ top: TopLevel, _ buffer: UnsafeBufferPointer<UInt8>) throws
    -> ExecutionPlan
  {
    func scanner(_ name: String) throws -> PlanJSONScanner {
      try top.scanner(name, buffer)
    }
    var s = try scanner("formatVersion")
    let formatVersion = try s.int()
    guard formatVersion == 1 else {
      throw PlanDocumentError.unsupportedFormatVersion(formatVersion)
    }
    s = try scanner("keyEncodingVersion")
    let keyEncoding = try s.int()
    guard keyEncoding == TrialIdentity.keyEncodingVersion else {
      throw PlanDocumentError.unsupportedKeyEncoding(keyEncoding)
    }
    s = try scanner("trainerVersion")
    let trainerVersion = try s.int()
    s = try scanner("datasetDigest")
    let datasetDigest = try s.string()
    guard let workloadRange = top.members["workload"] else {
      throw PlanDocumentError.malformed("missing 'workload' at the top level")
    }
    let workload = try Self.workload(Data(buffer[workloadRange]))
    let context = TrialIdentity.Context(
      dataset: workload.dataset, datasetDigest: datasetDigest, model: workload.model,
      trainerVersion: trainerVersion)
    s = try scanner("pruningNodes")
    let nodes = try Self.nodes(&s, workload: workload, context: context)
    var trials = TrialBuilder(
      workload: workload, context: context, datasetDigest: datasetDigest,
      trainerVersion: trainerVersion, nodes: nodes.byKey)
    s = try scanner("cells")
    try s.array { scanner in try trials.cell(&scanner) }
    return ExecutionPlan(
      workload: workload, pruningNodes: nodes.inOrder, trials: trials.specs,
      datasetDigest: datasetDigest, trainerVersion: trainerVersion)
  }

  static func workload(_ data: Data) throws -> Workload {
    do {
      return try JSONDecoder().decode(WorkloadDocument.self, from: data).workload()
    } catch let error as PlanDocumentError {
      throw error
    } catch {
      throw PlanDocumentError.malformed(
        "workload: " + PlanDocument.describe(error))
    }
  }

  // MARK: Pruning nodes

  private static func nodes(
    _ scanner: inout PlanJSONScanner, workload: Workload, context: TrialIdentity.Context
  ) throws -> (inOrder: [PruningNode], byKey: [TrialDigest: PruningNode]) {
    let nodes = try PlanTableReader.nodes(&scanner, workload: workload, context: context)
    return (
      nodes.map(\.node),
      Dictionary(nodes.map { ($0.digest, $0.node) }, uniquingKeysWith: { _, last in last })
    )
  }
}

/// Reads cells and their trials, checking each trial's key as it goes.
private struct TrialBuilder {
  let workload: Workload
  let context: TrialIdentity.Context
  let datasetDigest: String
  let trainerVersion: Int
  let nodes: [TrialDigest: PruningNode]
  var specs: [TrialSpec] = []
  /// Reused for every key's canonical bytes.
  var buffer: [UInt8] = []
  var metaparameterBytes: [UInt8] = []
  /// Trial i of every cell of an optimizer has the same point (the paired design), so its
  /// resolved values and their canonical bytes are built once and shared, as the compiler does:
  /// one dictionary per (optimizer, index) instead of one per trial.
  private var shared: [SharedKey: SharedValues] = [:]

  private struct SharedKey: Hashable {
    var optimizer: Int
    var index: Int
  }

  private struct SharedValues {
    var parsed: [(Metaparameter, Double)]
    var values: [Metaparameter: Double]
    var bytes: [UInt8]
  }

  init(
    workload: Workload, context: TrialIdentity.Context, datasetDigest: String,
    trainerVersion: Int, nodes: [TrialDigest: PruningNode]
  ) {
    self.workload = workload
    self.context = context
    self.datasetDigest = datasetDigest
    self.trainerVersion = trainerVersion
    self.nodes = nodes
    buffer.reserveCapacity(2048)
  }

  /// One trial as the file holds it, before its cell is known (a cell's `trials` may come
  /// before its coordinates in a non-canonical file).
  private struct Record {
    var index: Int
    /// Where the key's hex digits lie in the file.
    var key: Range<Int>
    var initSeed: UInt64
    var dataSeed: UInt64
    var metaparameters: [(Metaparameter, Double)]
    /// Where the mask key's hex digits lie, or nil for no mask.
    var pruning: Range<Int>?
  }

  mutating func cell(_ scanner: inout PlanJSONScanner) throws {
    let start = scanner.position
    var optimizer: Int?
    var batchSize: Int?
    var sparsity: Double?
    var maxSteps: Int?
    var records: [Record]?
    try scanner.object { scanner, name in
      switch name {
      case "optimizer": optimizer = try scanner.int()
      case "batchSize": batchSize = try scanner.int()
      case "sparsity": sparsity = try scanner.double()
      case "maxSteps": maxSteps = try scanner.int()
      case "trials":
        var list: [Record] = []
        try scanner.array { scanner in list.append(try Self.record(&scanner)) }
        records = list
      default: _ = try scanner.skipValue()
      }
    }
    guard let optimizer, let batchSize, let sparsity, let maxSteps, let records else {
      throw scanner.error(
        "a cell lacks 'optimizer', 'batchSize', 'sparsity', 'maxSteps' or 'trials'", at: start)
    }
    guard workload.optimizers.indices.contains(optimizer) else {
      throw PlanDocumentError.malformed("cell names optimizer \(optimizer + 1), which is absent")
    }
    let spec = workload.optimizers[optimizer]
    let cell = CellID(optimizer: optimizer, batchSize: batchSize, sparsity: sparsity)
    let cadence = workload.evaluation.cadence(batchSize: batchSize)
    for r in records {
      var node: PruningNode?
      if let key = r.pruning {
        guard let digest = TrialDigest(hex: scanner.bytes[key]), let found = nodes[digest] else {
          throw PlanDocumentError.malformed(
            "trial \(scanner.text(r.key)) names an absent mask \(scanner.text(key))")
        }
        node = found
      }
      let values = resolved(r.metaparameters, optimizer: optimizer, index: r.index)
      let key = TrialIdentity.trialKey(
        context, optimizer: spec.kind, schedule: spec.schedule,
        metaparameters: values.bytes, batchSize: batchSize, sparsity: sparsity,
        pruningKey: node?.key, initSeed: r.initSeed, dataSeed: r.dataSeed,
        evaluationEverySteps: cadence.firstStep, evaluationGrowth: cadence.growth,
        buffer: &buffer)
      guard key.hex.utf8.elementsEqual(scanner.bytes[r.key]) else {
        throw PlanDocumentError.keyMismatch(scanner.text(r.key))
      }
      specs.append(
        TrialSpec(
          key: key, cell: cell, index: r.index, dataset: workload.dataset,
          datasetDigest: datasetDigest, model: workload.model, optimizer: spec.kind,
          schedule: spec.schedule, metaparameters: values.values, batchSize: batchSize,
          sparsity: sparsity, pruning: node, initSeed: r.initSeed, dataSeed: r.dataSeed,
          evaluationEverySteps: cadence.firstStep, evaluationGrowth: cadence.growth,
          trainerVersion: trainerVersion, goal: workload.goal, maxSteps: maxSteps,
          giveUp: workload.budget.giveUp, exitEarly: workload.evaluation.exitEarly))
    }
  }

  private static func record(_ scanner: inout PlanJSONScanner) throws -> Record {
    let start = scanner.position
    var index: Int?
    var key: Range<Int>?
    var initSeed: UInt64?
    var dataSeed: UInt64?
    var metaparameters: [(Metaparameter, Double)]?
    var pruning: Range<Int>??
    try scanner.object { scanner, name in
      switch name {
      case "index": index = try scanner.int()
      case "key": key = try scanner.plainString()
      case "initSeed": initSeed = try scanner.uint64()
      case "dataSeed": dataSeed = try scanner.uint64()
      case "pruning": pruning = .some(try scanner.null() ? nil : try scanner.plainString())
      case "metaparameters":
        var values: [(Metaparameter, Double)] = []
        try scanner.object { scanner, name in
          let at = scanner.position
          guard let m = Metaparameter(rawValue: name) else {
            throw PlanDocumentError.malformed("unknown metaparameter '\(name)'")
          }
          guard !values.contains(where: { $0.0 == m }) else {
            throw scanner.error("a second '\(name)'", at: at)
          }
          values.append((m, try scanner.double()))
        }
        metaparameters = values
      default: _ = try scanner.skipValue()
      }
    }
    guard let index, let key, let initSeed, let dataSeed, let metaparameters, let pruning else {
      throw scanner.error(
        "a trial lacks 'index', 'key', 'initSeed', 'dataSeed', 'metaparameters' or 'pruning'",
        at: start)
    }
    return Record(
      index: index, key: key, initSeed: initSeed, dataSeed: dataSeed,
      metaparameters: metaparameters, pruning: pruning)
  }

  /// The values of trial `index` of `optimizer`, shared with earlier cells when they are equal
  /// (they are in every plan the compiler writes; a hand-edited one simply gets its own).
  private mutating func resolved(
    _ parsed: [(Metaparameter, Double)], optimizer: Int, index: Int
  ) -> SharedValues {
    let id = SharedKey(optimizer: optimizer, index: index)
    if let known = shared[id], known.parsed.elementsEqual(parsed, by: { $0 == $1 }) {
      return known
    }
    var values: [Metaparameter: Double] = [:]
    for (name, value) in parsed { values[name] = value }
    writeMetaparameters(parsed)
    let entry = SharedValues(parsed: parsed, values: values, bytes: metaparameterBytes)
    shared[id] = entry
    return entry
  }

  /// The canonical bytes of a metaparameter object (as `TrialIdentity.metaparameterBytes`,
  /// without building a `CanonicalJSON` tree per trial).
  private mutating func writeMetaparameters(_ values: [(Metaparameter, Double)]) {
    metaparameterBytes.removeAll(keepingCapacity: true)
    metaparameterBytes.append(UInt8(ascii: "{"))
    let sorted = values.sorted { $0.0.rawValue.utf8.lexicographicallyPrecedes($1.0.rawValue.utf8) }
    for (i, (name, value)) in sorted.enumerated() {
      if i > 0 { metaparameterBytes.append(UInt8(ascii: ",")) }
      CanonicalJSON.writeString(name.rawValue, to: &metaparameterBytes)
      metaparameterBytes.append(UInt8(ascii: ":"))
      metaparameterBytes.append(contentsOf: CanonicalJSON.format(value).utf8)
    }
    metaparameterBytes.append(UInt8(ascii: "}"))
  }
}
