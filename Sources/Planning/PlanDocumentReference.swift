import Foundation
import WorkloadModel

/// The first plan reader (format version 1), through Foundation's `JSONDecoder`: kept as the
/// reference that `PlanFileReader` (what `decode` uses for version 1) is tested equal to, since
/// its behaviour follows directly from the `Decodable` layout types below. Too slow for big plans (6-8 s CPU for two
/// 100,000-trial plans), so nothing but tests calls it.
extension PlanDocument {
  static func referenceDecode(_ bytes: [UInt8]) throws -> ExecutionPlan {
    let data = Data(bytes)
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: data)
    } catch {
      throw PlanDocumentError.malformed(describe(error))
    }
    guard header.formatVersion == 1 else {
      throw PlanDocumentError.unsupportedFormatVersion(header.formatVersion)
    }
    guard header.keyEncodingVersion == TrialIdentity.keyEncodingVersion else {
      throw PlanDocumentError.unsupportedKeyEncoding(header.keyEncodingVersion)
    }
    let body: Body
    do {
      body = try JSONDecoder().decode(Body.self, from: data)
    } catch {
      throw PlanDocumentError.malformed(describe(error))
    }
    return try rebuild(body)
  }

  private static func rebuild(_ body: Body) throws -> ExecutionPlan {
    let workload = try body.workload.workload()
    let context = TrialIdentity.Context(
      dataset: workload.dataset, datasetDigest: body.datasetDigest, model: workload.model,
      trainerVersion: body.trainerVersion)
    let method = TrialIdentity.pruningMethod(workload.study.pruning)
    var nodes: [String: PruningNode] = [:]
    var pruningNodes: [PruningNode] = []
    for n in body.pruningNodes {
      let key = TrialIdentity.key(
        of: TrialIdentity.pruningEncoding(
          context, method: method, sparsity: n.sparsity, initSeed: n.initSeed))
      guard key.hex == n.key else { throw PlanDocumentError.keyMismatch(n.key) }
      let node = PruningNode(
        key: key, method: workload.study.pruning, sparsity: n.sparsity, initSeed: n.initSeed)
      nodes[n.key] = node
      pruningNodes.append(node)
    }
    var trials: [TrialSpec] = []
    var buffer: [UInt8] = []
    for c in body.cells {
      guard workload.optimizers.indices.contains(c.optimizer) else {
        throw PlanDocumentError.malformed(
          "cell names optimizer \(c.optimizer + 1), which is absent")
      }
      let optimizer = workload.optimizers[c.optimizer]
      let cell = CellID(optimizer: c.optimizer, batchSize: c.batchSize, sparsity: c.sparsity)
      let cadence = workload.evaluation.cadence(batchSize: c.batchSize)
      for t in c.trials {
        var values: [Metaparameter: Double] = [:]
        for (name, value) in t.metaparameters {
          guard let m = Metaparameter(rawValue: name) else {
            throw PlanDocumentError.malformed("unknown metaparameter '\(name)'")
          }
          values[m] = value
        }
        var node: PruningNode?
        if let key = t.pruning {
          guard let found = nodes[key] else {
            throw PlanDocumentError.malformed("trial \(t.key) names an absent mask \(key)")
          }
          node = found
        }
        let key = TrialIdentity.trialKey(
          context, optimizer: optimizer.kind, schedule: optimizer.schedule,
          metaparameters: TrialIdentity.metaparameterBytes(values), batchSize: c.batchSize,
          sparsity: c.sparsity, pruningKey: node?.key, initSeed: t.initSeed,
          dataSeed: t.dataSeed, evaluationEverySteps: cadence.firstStep,
          evaluationGrowth: cadence.growth, buffer: &buffer)
        guard key.hex == t.key else { throw PlanDocumentError.keyMismatch(t.key) }
        trials.append(
          TrialSpec(
            key: key, cell: cell, index: t.index, dataset: workload.dataset,
            datasetDigest: body.datasetDigest, model: workload.model, optimizer: optimizer.kind,
            schedule: optimizer.schedule, metaparameters: values, batchSize: c.batchSize,
            sparsity: c.sparsity, pruning: node, initSeed: t.initSeed, dataSeed: t.dataSeed,
            evaluationEverySteps: cadence.firstStep, evaluationGrowth: cadence.growth,
            trainerVersion: body.trainerVersion, goal: workload.goal, maxSteps: c.maxSteps,
            giveUp: workload.budget.giveUp, exitEarly: workload.evaluation.exitEarly))
      }
    }
    return ExecutionPlan(
      workload: workload, pruningNodes: pruningNodes, trials: trials,
      datasetDigest: body.datasetDigest, trainerVersion: body.trainerVersion)
  }

  static func describe(_ error: any Error) -> String {
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

  // MARK: Layout

  struct Header: Decodable {
    var formatVersion: Int
    var keyEncodingVersion: Int
  }

  struct Body: Decodable {
    var trainerVersion: Int
    var datasetDigest: String
    var workload: WorkloadDocument
    var pruningNodes: [NodeDocument]
    var cells: [CellDocument]
  }

  struct NodeDocument: Decodable {
    var key: String
    var sparsity: Double
    var initSeed: UInt64
  }

  struct CellDocument: Decodable {
    var optimizer: Int
    var batchSize: Int
    var sparsity: Double
    var maxSteps: Int
    var trials: [TrialDocument]
  }

  struct TrialDocument: Decodable {
    var index: Int
    var key: String
    var initSeed: UInt64
    var dataSeed: UInt64
    var metaparameters: [String: Double]
    var pruning: String?
  }
}
