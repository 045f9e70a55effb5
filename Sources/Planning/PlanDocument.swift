import Crypto
import Foundation
import Primitives
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
/// Version 1 (each trial repeating its seeds, metaparameters and mask key) is no longer read: a
/// file in it is refused with the advice to plan again, which rebuilds the same trials (keys did
/// not change between the two layouts, so stored results are reused).
public enum PlanDocument {
  /// Bumped on any change to this layout or to the key encoding.
  public static var formatVersion: Int { ExecutionPlan.formatVersion }

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
  /// canonical bytes, the ones `encode` writes.
  public static func identityHash(_ plan: ExecutionPlan) throws -> String {
    TrialIdentity.hex(SHA256.hash(data: try encode(plan)))
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
    try decodeTable(bytes).executionPlan()
  }

  /// Reads a saved plan, checking its versions and every key, as a table (what `diff` needs).
  ///
  /// Finds the top level and reads `formatVersion` before anything else, so a file of another
  /// version is refused for its version, not for a field it lacks.
  public static func decodeTable(_ bytes: [UInt8]) throws -> PlanTable {
    do {
      return try bytes.withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(buffer)
        let top = try PlanTableReader.topLevel(&scanner)
        var s = try top.scanner("formatVersion", buffer)
        let version = try s.int()
        guard version == formatVersion else {
          throw PlanDocumentError.unsupportedFormatVersion(version)
        }
        return try PlanTableReader(top: top, buffer: buffer).read()
      }
    } catch let error as JSONScanError {
      throw PlanDocumentError.malformed(error.message)
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
    case .unsupportedFormatVersion(let v) where v < PlanDocument.formatVersion:
      return "plan format version \(v) was written by an earlier stepwise and is no longer read "
        + "(this one reads version \(PlanDocument.formatVersion)); compile the workload again "
        + "with 'stepwise plan --out FILE': the trials keep their keys, so stored results are reused"
    case .unsupportedFormatVersion(let v):
      return "plan format version \(v) is not supported (this stepwise reads version "
        + "\(PlanDocument.formatVersion)); compile the workload again with 'stepwise plan'"
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
