import Foundation
import Primitives
import WorkloadModel

/// Reads the JSON form of a `ResultsArchive` with the project's one `JSONScanner`: the same
/// layout `Codable` reads (a test holds the two to identical results), about ten times faster on
/// large archives.
enum ResultsArchiveReader {
  struct Missing: Error, CustomStringConvertible {
    var key: String
    var within: String
    var description: String { "results JSON: \(within) has no \"\(key)\"" }
  }

  static func read(_ data: Data) throws -> ResultsArchive {
    let bytes = [UInt8](data)
    var version: Int?
    var studies: [StudyResults] = []
    do {
      try bytes.withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(buffer)
        try scanner.object { s, key in
          switch key {
          case "formatVersion": version = try s.int()
          case "studies": try s.array { studies.append(try study(&$0)) }
          default: try s.skipValue()
          }
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.error("text after the archive") }
      }
    } catch let error as JSONScanError {
      throw ResultsArchiveJSON.Failure.malformed(error)
    }
    guard let version else { throw Missing(key: "formatVersion", within: "the archive") }
    return ResultsArchive(formatVersion: version, studies: studies)
  }

  /// A number, or one of the strings "nan", "inf" and "-inf" that the archive writes for
  /// non-finite values (a diverged trial's losses).
  static func real(_ s: inout JSONScanner) throws -> Double {
    guard try s.peek() == UInt8(ascii: "\"") else { return try s.double() }
    let at = s.position
    switch try s.string() {
    case "nan": return .nan
    case "inf": return .infinity
    case "-inf": return -.infinity
    case let other: throw s.error("expected a number, found \"\(other)\"", at: at)
    }
  }

  static func study(_ s: inout JSONScanner) throws -> StudyResults {
    var workload: String?
    var dataset: String?
    var goal: Goal?
    var every: Int?
    var cells: [CellResults] = []
    var masks: [MaskDensity] = []
    try s.object { s, key in
      switch key {
      case "workload": workload = try s.string()
      case "dataset": dataset = try s.string()
      case "goal": goal = try readGoal(&s)
      case "evaluationEverySteps": every = try s.null() ? nil : try s.int()
      case "cells": try s.array { cells.append(try cell(&$0)) }
      case "masks": try s.array { masks.append(try mask(&$0)) }
      default: try s.skipValue()
      }
    }
    guard let workload else { throw Missing(key: "workload", within: "a study") }
    guard let goal else { throw Missing(key: "goal", within: "study \(workload)") }
    return StudyResults(
      workload: workload, dataset: dataset ?? "", goal: goal, evaluationEverySteps: every,
      cells: cells, masks: masks)
  }

  static func readGoal(_ s: inout JSONScanner) throws -> Goal {
    var metric = GoalMetric.validationError
    var comparison: GoalComparison?
    var threshold: Double?
    try s.object { s, key in
      switch key {
      case "metric":
        let name = try s.string()
        guard let value = GoalMetric(rawValue: name) else { throw s.error("unknown metric \(name)") }
        metric = value
      case "comparison":
        let name = try s.string()
        guard let value = GoalComparison(rawValue: name) else {
          throw s.error("unknown comparison \(name)")
        }
        comparison = value
      case "threshold": threshold = try real(&s)
      default: try s.skipValue()
      }
    }
    guard let comparison, let threshold else {
      throw Missing(key: "comparison and threshold", within: "a goal")
    }
    return Goal(metric: metric, comparison: comparison, threshold: threshold)
  }

  static func cell(_ s: inout JSONScanner) throws -> CellResults {
    var optimizer: OptimizerKind?
    var name: String?
    var batchSize: Int?
    var sparsity: Double?
    var trials: [TrialResult] = []
    try s.object { s, key in
      switch key {
      case "optimizer":
        let raw = try s.string()
        guard let kind = OptimizerKind(rawValue: raw) else {
          throw s.error("unknown optimizer \(raw)")
        }
        optimizer = kind
      case "optimizerName": name = try s.string()
      case "batchSize": batchSize = try s.int()
      case "sparsity": sparsity = try real(&s)
      case "trials": try s.array { trials.append(try trial(&$0)) }
      default: try s.skipValue()
      }
    }
    guard let optimizer, let batchSize, let sparsity else {
      throw Missing(key: "optimizer, batchSize and sparsity", within: "a cell")
    }
    return CellResults(
      optimizer: optimizer, optimizerName: name, batchSize: batchSize, sparsity: sparsity,
      trials: trials)
  }

  static func trial(_ s: inout JSONScanner) throws -> TrialResult {
    var index: Int?
    var key = ""
    var state: TrialState?
    var metaparameters: [String: Double] = [:]
    var curve = EvaluationCurve()
    var stepsRun: Int?
    var maxSteps: Int?
    try s.object { s, field in
      switch field {
      case "index": index = try s.int()
      case "key": key = try s.string()
      case "state":
        let raw = try s.string()
        guard let value = TrialState(rawValue: raw) else { throw s.error("unknown state \(raw)") }
        state = value
      case "metaparameters":
        try s.object { s, name in metaparameters[name] = try real(&s) }
      case "curve": curve = try readCurve(&s)
      case "stepsRun": stepsRun = try s.null() ? nil : try s.int()
      case "maxSteps": maxSteps = try s.null() ? nil : try s.int()
      default: try s.skipValue()
      }
    }
    guard let index, let state else { throw Missing(key: "index and state", within: "a trial") }
    return TrialResult(
      index: index, key: key, state: state, metaparameters: metaparameters, curve: curve,
      stepsRun: stepsRun, maxSteps: maxSteps)
  }

  static func readCurve(_ s: inout JSONScanner) throws -> EvaluationCurve {
    var curve = EvaluationCurve()
    try s.object { s, key in
      switch key {
      case "steps": try s.array { curve.steps.append(try $0.int()) }
      case "validationError": try s.array { curve.validationError.append(try real(&$0)) }
      case "validationLoss": try s.array { curve.validationLoss.append(try real(&$0)) }
      case "wrong": curve.wrong = try ints(&s)
      case "examplesSeen": curve.examplesSeen = try ints(&s)
      case "examplesTotal": curve.examplesTotal = try ints(&s)
      default: try s.skipValue()
      }
    }
    return curve
  }

  /// An array of integers, or nil for `null`.
  private static func ints(_ s: inout JSONScanner) throws -> [Int]? {
    if try s.null() { return nil }
    var out: [Int] = []
    try s.array { out.append(try $0.int()) }
    return out
  }

  static func mask(_ s: inout JSONScanner) throws -> MaskDensity {
    var mask = MaskDensity(sparsity: 0, method: "", layers: [])
    try s.object { s, key in
      switch key {
      case "sparsity": mask.sparsity = try real(&s)
      case "method": mask.method = try s.string()
      case "layers":
        try s.array { s in
          var layer = LayerDensity(layer: "", kept: 0, total: 0)
          try s.object { s, key in
            switch key {
            case "layer": layer.layer = try s.string()
            case "kept": layer.kept = try s.int()
            case "total": layer.total = try s.int()
            default: try s.skipValue()
            }
          }
          mask.layers.append(layer)
        }
      default: try s.skipValue()
      }
    }
    return mask
  }
}
