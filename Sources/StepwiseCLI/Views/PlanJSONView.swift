import Planning
import Primitives

/// `stepwise plan --json`: the summary and per-cell rows as one canonical JSON document for
/// tools (`formatVersion` 1; sorted keys; documented in docs/trial-identity.md beside the plan
/// file). The full plan, with every trial, is what `--out` writes.
struct PlanJSONView {
  static let formatVersion = 1

  func render(_ plan: ExecutionPlan, _ s: PlanSummary) -> String {
    let rows: [CanonicalJSON] = s.rows.map { r in
      .object([
        "optimizer": .int(Int64(r.cell.optimizer)), "optimizerKind": .string(r.optimizer.rawValue),
        "sparsity": .double(r.cell.sparsity), "batchSize": .int(Int64(r.cell.batchSize)),
        "trials": .int(Int64(r.trials)), "done": .int(Int64(r.done)),
        "maxSteps": .int(Int64(r.maxSteps)), "trainingExamples": .int(Int64(r.trainingExamples)),
      ])
    }
    var summary: [String: CanonicalJSON] = [
      "cells": .int(Int64(s.cells)), "trials": .int(Int64(s.trials)),
      "done": .int(Int64(s.done)), "pending": .int(Int64(s.pending)),
      "pruningNodes": .int(Int64(s.pruningNodes)),
      "pruningExamplesPerMask": .int(Int64(s.pruningExamplesPerMask)),
      "pruningScoringPasses": .int(Int64(s.pruningScoringPasses)),
      "pruningFLOP": .double(s.pruningFLOP),
      "largestStepBudget": .int(Int64(s.largestStepBudget)),
      "trainingExamples": .int(Int64(s.trainingExamples)),
      "evaluationExamples": .int(Int64(s.evaluationExamples)),
      "forwardMultiplyAdds": .int(Int64(s.forwardMultiplyAdds)),
      "totalFLOP": .double(s.totalFLOP), "assumedFLOPPerSecond": .double(s.throughput),
      "estimatedHours": .double(s.estimatedHours),
    ]
    // Only with probes, so the document of a workload without them is unchanged.
    if plan.workload.probes != nil { summary["probeFLOP"] = .double(s.probeFLOP) }
    let doc = CanonicalJSON.object([
      "formatVersion": .int(Int64(Self.formatVersion)),
      "planFormatVersion": .int(Int64(ExecutionPlan.formatVersion)),
      "keyEncodingVersion": .int(Int64(TrialIdentity.keyEncodingVersion)),
      "workload": .string(plan.workload.name),
      "datasetDigest": .string(plan.datasetDigest),
      "summary": .object(summary),
      "cells": .array(rows),
    ])
    return doc.text + "\n"
  }
}
