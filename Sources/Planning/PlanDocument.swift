import Crypto
import Foundation
import WorkloadModel

/// The canonical, versioned JSON form of a plan (`stepwise plan --out plan.json`), and its
/// reader (`stepwise diff` and `stepwise run` load saved plans).
///
/// Layout (format version 2, the `PlanTable` shape): the workload once; the pruning nodes; the
/// points (seeds and resolved metaparameters, which trial i shares across an optimizer's cells);
/// then the cells in `CellID` order, each with its step budget and its trials in index order. A
/// trial holds its index, its key, and the positions of its point and mask. The reader rebuilds
/// every key from the workload and checks it against the file, so a hand-edited or stale plan is
/// refused instead of silently run. The bytes are a function of the plan alone: `CanonicalJSON`
/// rules, no dates, no paths (the dataset directory is left empty), and a final newline.
///
/// Version 1 (each trial repeating its seeds, metaparameters and mask key: three times the
/// bytes) is still read, and still defines `identityHash`; no file is written in it.
public enum PlanDocument {
  /// Bumped on any change to this layout or to the key encoding.
  public static var formatVersion: Int { ExecutionPlan.formatVersion }
  /// The versions `decode` reads.
  public static let readableVersions = [1, 2]

  // MARK: Writing

  public static func encode(_ plan: ExecutionPlan) throws -> [UInt8] {
    let table = PlanTable(plan)
    guard table.hasOnlyHexKeys else {
      throw PlanDocumentError.malformed("a trial key is not 64 lowercase hex digits")
    }
    return try encode(table)
  }

  public static func encode(_ table: PlanTable) throws -> [UInt8] {
    try PlanDocumentWriter(table: table).bytes()
  }

  /// The plan's identity in a results store (`stepwise run` refuses a saved plan whose hash
  /// differs from the one its study was registered with): lowercase hex SHA-256 of the plan's
  /// version 1 bytes. It stays on version 1, whatever layout files are written in, so stores
  /// registered before version 2 still accept the same plan; it is not a hash of any file.
  public static func identityHash(_ plan: ExecutionPlan) throws -> String {
    TrialIdentity.hex(SHA256.hash(data: try encodeVersion1(plan)))
  }

  /// Version 1 bytes: `identityHash`, and the tests of the version 1 reader.
  static func encodeVersion1(_ plan: ExecutionPlan) throws -> [UInt8] {
    var bytes = try versionOneTree(plan).bytes
    bytes.append(UInt8(ascii: "\n"))
    return bytes
  }

  static func versionOneTree(_ plan: ExecutionPlan) throws -> CanonicalJSON {
    let workload = try CanonicalJSONEncoder().encode(WorkloadDocument(plan.workload))
    let nodes: [CanonicalJSON] = plan.pruningNodes.map { node in
      .object([
        "key": .string(node.key.hex), "sparsity": .double(node.sparsity),
        "initSeed": .uint(node.initSeed),
      ])
    }
    var cells: [CanonicalJSON] = []
    var i = 0
    let trials = plan.trials
    while i < trials.count {
      let cell = trials[i].cell
      var members: [CanonicalJSON] = []
      let maxSteps = trials[i].maxSteps
      while i < trials.count, trials[i].cell == cell {
        let t = trials[i]
        var values: [String: CanonicalJSON] = [:]
        for (name, value) in t.metaparameters { values[name.rawValue] = .double(value) }
        members.append(
          .object([
            "index": .int(Int64(t.index)), "key": .string(t.key.hex),
            "initSeed": .uint(t.initSeed), "dataSeed": .uint(t.dataSeed),
            "metaparameters": .object(values),
            "pruning": t.pruning.map { .string($0.key.hex) } ?? .null,
          ]))
        i += 1
      }
      cells.append(
        .object([
          "optimizer": .int(Int64(cell.optimizer)), "batchSize": .int(Int64(cell.batchSize)),
          "sparsity": .double(cell.sparsity), "maxSteps": .int(Int64(maxSteps)),
          "trials": .array(members),
        ]))
    }
    return .object([
      "formatVersion": .int(1),
      "keyEncodingVersion": .int(Int64(TrialIdentity.keyEncodingVersion)),
      "trainerVersion": .int(Int64(plan.trainerVersion)),
      "datasetDigest": .string(plan.datasetDigest),
      "workload": workload,
      "pruningNodes": .array(nodes),
      "cells": .array(cells),
    ])
  }

  // MARK: Reading

  /// Whether bytes look like a saved plan rather than a workload: a JSON object that opens
  /// with `"cells"` (every plan this writes; a plan cut short keeps its head, so it is still
  /// reported as a damaged plan) or names a `formatVersion` (a reformatted plan). YAML
  /// workloads never start with `{` in practice, and a flow-style YAML mapping would lack both.
  public static func looksLikePlan(_ bytes: [UInt8]) -> Bool {
    guard let first = bytes.firstIndex(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }),
      bytes[first] == UInt8(ascii: "{")
    else { return false }
    let head = Array(#"{"cells":"#.utf8)
    if bytes[first...].starts(with: head) { return true }
    let needle = Array("\"formatVersion\":".utf8)
    guard bytes.count >= needle.count else { return false }
    // Canonical key order puts "formatVersion" after "cells" (nearly all of a plan's bytes),
    // so search from the end: a few kilobytes instead of the whole file.
    for start in stride(from: bytes.count - needle.count, through: 0, by: -1)
    where bytes[start] == needle[0] && bytes[start..<start + needle.count].elementsEqual(needle) {
      return true
    }
    return false
  }

  /// Reads a saved plan, checking its versions and every key, with every trial spelled out
  /// (what `run` needs).
  public static func decode(_ bytes: [UInt8]) throws -> ExecutionPlan {
    try read(bytes, version1: { $0 }, version2: { $0.executionPlan() })
  }

  /// Reads a saved plan, checking its versions and every key, as a table (what `diff` needs).
  public static func decodeTable(_ bytes: [UInt8]) throws -> PlanTable {
    try read(bytes, version1: { PlanTable($0) }, version2: { $0 })
  }

  /// Finds the top level, reads `formatVersion` before anything else (a file of another
  /// version is refused for its version, not for a field it lacks) and hands the rest to the
  /// version's reader: `PlanFileReader` (1) or `PlanTableReader` (2).
  private static func read<T>(
    _ bytes: [UInt8], version1: (ExecutionPlan) -> T, version2: (PlanTable) -> T
  ) throws -> T {
    try bytes.withUnsafeBufferPointer { buffer in
      var scanner = PlanJSONScanner(buffer)
      let top = try PlanFileReader.topLevel(&scanner)
      var s = try top.scanner("formatVersion", buffer)
      switch try s.int() {
      case 1: return version1(try PlanFileReader(bytes).rebuild(top, buffer))
      case 2: return version2(try PlanTableReader(top: top, buffer: buffer).read())
      case let other: throw PlanDocumentError.unsupportedFormatVersion(other)
      }
    }
  }
}

/// Why a saved plan could not be read. Each message says what to do.
public enum PlanDocumentError: Error, Equatable, CustomStringConvertible {
  case unsupportedFormatVersion(Int)
  case unsupportedKeyEncoding(Int)
  case malformed(String)
  case keyMismatch(String)

  public var description: String {
    switch self {
    case .unsupportedFormatVersion(let v):
      let versions = PlanDocument.readableVersions.map(String.init).joined(separator: " and ")
      return "plan format version \(v) is not supported (this stepwise reads versions "
        + "\(versions)); compile the workload again with 'stepwise plan'"
    case .unsupportedKeyEncoding(let v):
      return "plan keys use encoding version \(v), but this stepwise computes version "
        + "\(TrialIdentity.keyEncodingVersion); compile the workload again with 'stepwise plan'"
    case .malformed(let what):
      return "not a valid plan file: \(what)"
    case .keyMismatch(let key):
      return "key \(key) does not match the trial it names (the plan was edited or is stale); "
        + "compile the workload again with 'stepwise plan'"
    }
  }
}

/// `Workload` as the plan file holds it. It mirrors `Workload` field for field, except that
/// metaparameter maps are keyed by name: synthesized `Codable` writes a dictionary with enum keys
/// as an array in hash order, which is neither canonical nor stable between runs.
struct WorkloadDocument: Codable {
  struct Optimizer: Codable {
    var kind: OptimizerKind
    var schedule: ScheduleKind
    var metaparameters: [String: MetaparameterSetting]
  }

  var languageVersion: Int
  var name: String
  var description: String?
  var dataset: DatasetSpec
  var model: ModelSpec
  var optimizers: [Optimizer]
  var study: StudySpec
  var goal: Goal
  var budget: StepBudget
  var evaluation: EvaluationPolicy
  var execution: ExecutionDefaults
  /// Absent (not null) without probes, so plans without them keep their bytes.
  var probes: ProbesSpec?

  init(_ w: Workload) {
    languageVersion = w.languageVersion
    name = w.name
    description = w.description
    // The directory is where this machine keeps the files (often an absolute path after
    // environment expansion): it is not part of any trial and would make plan bytes differ
    // between machines, so the plan file does not record it. `run` takes it from the workload
    // or the command line.
    dataset = w.dataset
    dataset.directory = Located("")
    model = w.model
    optimizers = w.optimizers.map { o in
      var values: [String: MetaparameterSetting] = [:]
      for (name, setting) in o.metaparameters { values[name.rawValue] = setting }
      return Optimizer(kind: o.kind, schedule: o.schedule, metaparameters: values)
    }
    study = w.study
    goal = w.goal
    budget = w.budget
    evaluation = w.evaluation
    execution = w.execution
    probes = w.probes
  }

  func workload() throws -> Workload {
    let specs = try optimizers.map { o in
      var values: [Metaparameter: MetaparameterSetting] = [:]
      for (name, setting) in o.metaparameters {
        guard let m = Metaparameter(rawValue: name) else {
          throw PlanDocumentError.malformed("unknown metaparameter '\(name)' in the workload")
        }
        values[m] = setting
      }
      return OptimizerSpec(kind: o.kind, schedule: o.schedule, metaparameters: values)
    }
    return Workload(
      languageVersion: languageVersion, name: name, description: description, dataset: dataset,
      model: model, optimizers: specs, study: study, goal: goal, budget: budget,
      evaluation: evaluation, execution: execution, probes: probes)
  }
}
