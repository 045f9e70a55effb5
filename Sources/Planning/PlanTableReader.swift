import Foundation
import Primitives
import WorkloadModel

/// Reads a saved plan into a `PlanTable`, in one pass over the trials and without a `String` or
/// a `TrialSpec` per trial.
///
/// Every key is recomputed and compared: a plan is what `stepwise run` trains from, so a hand-edited or stale file is refused rather than trained under a key that does not
/// describe it. A trial's key is written by `TrialKeyWriter` from its cell, its point's seeds and
/// metaparameter bytes (serialised once per point) and its mask's digest, hashed, and compared
/// with the file's 64 hex digits as four words.
struct PlanTableReader {
  let top: TopLevel
  let buffer: UnsafeBufferPointer<UInt8>

  // MARK: Top level

  /// Where each top-level member's value lies. Canonical order puts `cells` first, but the
  /// trials can only be checked once the workload and the masks are known, so the top level is
  /// located first and read in dependency order.
  struct TopLevel {
    var members: [String: Range<Int>] = [:]

    /// A scanner at member `name`'s value.
    func scanner(_ name: String, _ buffer: UnsafeBufferPointer<UInt8>) throws -> JSONScanner {
      guard let range = members[name] else {
        throw PlanDocumentError.malformed("missing '\(name)' at the top level")
      }
      return JSONScanner(buffer, position: range.lowerBound)
    }
  }

  static func topLevel(_ scanner: inout JSONScanner) throws -> TopLevel {
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

  /// The workload, a few kilobytes, through `JSONDecoder`: its many types' `Codable` stay the
  /// single source of truth for their shape.
  static func workload(_ data: Data) throws -> Workload {
    do {
      return try JSONDecoder().decode(WorkloadDocument.self, from: data).workload()
    } catch let error as PlanDocumentError {
      throw error
    } catch {
      throw PlanDocumentError.malformed("workload: " + describe(error))
    }
  }

  private static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
      return "missing '\(key.stringValue)' at \(path(context.codingPath))"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
      DecodingError.dataCorrupted(let context):
      return "\(context.debugDescription) at \(path(context.codingPath))"
    default:
      return "\(error)"
    }
  }

  private static func path(_ keys: [any CodingKey]) -> String {
    keys.isEmpty
      ? "the top level"
      : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }
        .joined(separator: ".")
  }

  // MARK: Reading

  func read() throws -> PlanTable {
    var s = try top.scanner("keyEncodingVersion", buffer)
    let keyEncoding = try s.int()
    guard keyEncoding == TrialIdentity.keyEncodingVersion else {
      throw PlanDocumentError.unsupportedKeyEncoding(keyEncoding)
    }
    s = try top.scanner("trainerVersion", buffer)
    let trainerVersion = try s.int()
    s = try top.scanner("datasetDigest", buffer)
    let datasetDigest = try s.string()
    guard let workloadRange = top.members["workload"] else {
      throw PlanDocumentError.malformed("missing 'workload' at the top level")
    }
    let workload = try Self.workload(Data(buffer[workloadRange]))
    let context = TrialIdentity.Context(
      dataset: workload.dataset, datasetDigest: datasetDigest, model: workload.model,
      trainerVersion: trainerVersion)
    s = try top.scanner("pruningNodes", buffer)
    let nodes = try Self.nodes(&s, workload: workload, context: context)
    s = try top.scanner("points", buffer)
    let points = try Self.points(&s)
    var cells = CellReader(
      workload: workload, masks: nodes.map { TrialKeyWriter.pruning($0.digest) },
      writer: CadenceKeyWriter(
        context, evaluation: workload.evaluation,
        points: points.map {
          ($0.dataSeed, $0.initSeed, PlanTable.metaparameterBytes($0.metaparameters))
        }))
    s = try top.scanner("cells", buffer)
    try s.array { scanner in try cells.cell(&scanner) }
    return PlanTable(
      workload: workload, datasetDigest: datasetDigest, trainerVersion: trainerVersion,
      pruningNodes: nodes.map(\.node), points: points, cells: cells.cells, trials: cells.trials)
  }

  // MARK: Shared tables

  /// The pruning nodes in file order, each key re-computed and checked.
  static func nodes(
    _ scanner: inout JSONScanner, workload: Workload, context: TrialIdentity.Context
  ) throws -> [(node: PruningNode, digest: TrialDigest)] {
    var writer = MaskKeyWriter(context, method: TrialIdentity.pruningMethod(workload.study.pruning))
    var out: [(node: PruningNode, digest: TrialDigest)] = []
    try scanner.array { scanner in
      let start = scanner.position
      var key: String?
      var sparsity: Double?
      var initSeed: UInt64?
      try scanner.object { scanner, name in
        switch name {
        case "key": key = try scanner.string()
        case "sparsity": sparsity = try scanner.double()
        case "initSeed": initSeed = try scanner.uint64()
        default: _ = try scanner.skipValue()
        }
      }
      guard let key, let sparsity, let initSeed else {
        throw scanner.error("a pruning node lacks 'key', 'sparsity' or 'initSeed'", at: start)
      }
      let digest = writer.key(sparsity: sparsity, initSeed: initSeed)
      guard TrialDigest(hex: key.utf8) == digest else { throw PlanDocumentError.keyMismatch(key) }
      out.append(
        (
          PruningNode(
            key: digest.key, method: workload.study.pruning, sparsity: sparsity,
            initSeed: initSeed), digest
        ))
    }
    return out
  }

  private static func points(_ scanner: inout JSONScanner) throws -> [PlanTable.Point] {
    var out: [PlanTable.Point] = []
    try scanner.array { scanner in
      let start = scanner.position
      var initSeed: UInt64?
      var dataSeed: UInt64?
      var metaparameters: [Metaparameter: Double]?
      try scanner.object { scanner, name in
        switch name {
        case "initSeed": initSeed = try scanner.uint64()
        case "dataSeed": dataSeed = try scanner.uint64()
        case "metaparameters":
          var values: [Metaparameter: Double] = [:]
          try scanner.object { scanner, name in
            let at = scanner.position
            guard let m = Metaparameter(rawValue: name) else {
              throw PlanDocumentError.malformed("unknown metaparameter '\(name)'")
            }
            guard values.updateValue(try scanner.double(), forKey: m) == nil else {
              throw scanner.error("a second '\(name)'", at: at)
            }
          }
          metaparameters = values
        default: _ = try scanner.skipValue()
        }
      }
      guard let initSeed, let dataSeed, let metaparameters else {
        throw scanner.error(
          "a point lacks 'initSeed', 'dataSeed' or 'metaparameters'", at: start)
      }
      out.append(
        PlanTable.Point(initSeed: initSeed, dataSeed: dataSeed, metaparameters: metaparameters))
    }
    return out
  }
}

/// Reads the cells and their trials, checking each trial's key as it goes.
private struct CellReader {
  let workload: Workload
  /// Each mask's key as the encodings hold it.
  let masks: [[UInt8]]
  /// Keys per point, with the cadence of the cell's batch size.
  var writer: CadenceKeyWriter
  var cells: [PlanTable.Cell] = []
  var trials: [PlanTable.Trial] = []

  init(workload: Workload, masks: [[UInt8]], writer: CadenceKeyWriter) {
    self.workload = workload
    self.masks = masks
    self.writer = writer
  }

  mutating func cell(_ scanner: inout JSONScanner) throws {
    let start = scanner.position
    var optimizer: Int?
    var batchSize: Int?
    var sparsity: Double?
    var maxSteps: Int?
    var trialsAt: Int?
    var sawTrials = false
    let first = trials.count
    try scanner.object { scanner, name in
      switch name {
      case "optimizer": optimizer = try scanner.int()
      case "batchSize": batchSize = try scanner.int()
      case "sparsity": sparsity = try scanner.double()
      case "maxSteps": maxSteps = try scanner.int()
      case "trials":
        sawTrials = true
        // Canonical order puts the trials last, so the cell is known and they are read
        // (and their keys checked) in place; in any other order they are read afterwards.
        if let optimizer, let batchSize, let sparsity, maxSteps != nil {
          try begin(optimizer: optimizer, batchSize: batchSize, sparsity: sparsity)
          try readTrials(&scanner)
        } else {
          trialsAt = scanner.position
          _ = try scanner.skipValue()
        }
      default: _ = try scanner.skipValue()
      }
    }
    guard let optimizer, let batchSize, let sparsity, let maxSteps, sawTrials else {
      throw scanner.error(
        "a cell lacks 'optimizer', 'batchSize', 'sparsity', 'maxSteps' or 'trials'", at: start)
    }
    if let trialsAt {
      try begin(optimizer: optimizer, batchSize: batchSize, sparsity: sparsity)
      var again = JSONScanner(scanner.bytes, position: trialsAt)
      try readTrials(&again)
    }
    cells.append(
      PlanTable.Cell(
        id: CellID(optimizer: optimizer, batchSize: batchSize, sparsity: sparsity),
        maxSteps: maxSteps, trials: first..<trials.count))
  }

  private mutating func begin(optimizer: Int, batchSize: Int, sparsity: Double) throws {
    guard workload.optimizers.indices.contains(optimizer) else {
      throw PlanDocumentError.malformed("cell names optimizer \(optimizer + 1), which is absent")
    }
    let spec = workload.optimizers[optimizer]
    writer.cell(
      batchSize: batchSize, optimizer: spec.kind, schedule: spec.schedule, sparsity: sparsity)
  }

  private mutating func readTrials(_ scanner: inout JSONScanner) throws {
    let cell = Int32(cells.count)
    try scanner.array { scanner in
      let start = scanner.position
      var index: Int?
      var key: Range<Int>?
      var mask: Int??
      var point: Int?
      try scanner.objectWithRawKeys { scanner, name in
        if Self.spells(name, "index") {
          index = try scanner.int()
        } else if Self.spells(name, "key") {
          key = try scanner.plainString()
        } else if Self.spells(name, "mask") {
          mask = .some(try scanner.null() ? nil : try scanner.int())
        } else if Self.spells(name, "point") {
          point = try scanner.int()
        } else {
          _ = try scanner.skipValue()
        }
      }
      guard let index, let key, let mask, let point else {
        throw scanner.error("a trial lacks 'index', 'key', 'mask' or 'point'", at: start)
      }
      guard point >= 0, point < writer.pointCount else {
        throw scanner.error(
          "trial \(index) names point \(point), but the plan has \(writer.pointCount)", at: start)
      }
      if let mask, !masks.indices.contains(mask) {
        throw scanner.error(
          "trial \(index) names mask \(mask), but the plan has \(masks.count)", at: start)
      }
      let computed = writer.key(point: point, pruning: mask.map { masks[$0] })
      guard TrialDigest(hex: UnsafeBufferPointer(rebasing: scanner.bytes[key])) == computed else {
        throw PlanDocumentError.keyMismatch(scanner.text(key))
      }
      trials.append(
        PlanTable.Trial(
          key: computed, index: index, point: Int32(point), mask: Int32(mask ?? -1), cell: cell))
    }
  }

  /// Whether a key's bytes are `word`.
  private static func spells(_ name: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
    guard name.count == word.utf8CodeUnitCount else { return false }
    guard let base = name.baseAddress else { return true }
    return memcmp(base, word.utf8Start, name.count) == 0
  }
}
