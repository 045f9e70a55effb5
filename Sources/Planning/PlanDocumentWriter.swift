import Primitives
import WorkloadModel

/// Writes a plan table as the saved plan, format version 2 (layout in `PlanDocument` and
/// `docs/trial-identity.md`), straight into one byte buffer in canonical order.
///
/// The bytes are exactly `CanonicalJSON` of the same document (a test holds them equal to the
/// tree form); building that tree for 100,000 trials, one dictionary per trial, cost most of
/// `plan --out`'s second and twice the plan's memory, so the writer emits the members in their
/// sorted order by hand. Only the workload, a few kilobytes, goes through `CanonicalJSONEncoder`.
struct PlanDocumentWriter {
  let table: PlanTable

  func bytes() throws -> [UInt8] {
    let workload = try CanonicalJSONEncoder().encode(WorkloadDocument(table.workload)).bytes
    var out: [UInt8] = []
    // About 100 bytes a trial; one allocation for a compiled plan.
    out.reserveCapacity(
      table.trials.count * 104 + table.points.count * 120 + table.pruningNodes.count * 130
        + workload.count + 4096)
    func raw(_ text: StaticString) {
      text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
    func int(_ value: Int) {
      if value >= 0 {
        TrialKeyWriter.appendDecimal(UInt64(value), to: &out)
      } else {
        out.append(contentsOf: String(value).utf8)
      }
    }
    raw(#"{"cells":["#)
    for (c, cell) in table.cells.enumerated() {
      if c > 0 { raw(",") }
      raw(#"{"batchSize":"#)
      int(cell.id.batchSize)
      raw(#","maxSteps":"#)
      int(cell.maxSteps)
      raw(#","optimizer":"#)
      int(cell.id.optimizer)
      raw(#","sparsity":"#)
      out.append(contentsOf: CanonicalJSON.format(cell.id.sparsity).utf8)
      raw(#","trials":["#)
      for row in cell.trials {
        let t = table.trials[row]
        if row > cell.trials.lowerBound { raw(",") }
        raw(#"{"index":"#)
        int(t.index)
        raw(#","key":""#)
        t.key.writeHex(to: &out)
        raw(#"","mask":"#)
        if t.mask < 0 { raw("null") } else { int(Int(t.mask)) }
        raw(#","point":"#)
        int(Int(t.point))
        raw("}")
      }
      raw("]}")
    }
    raw(#"],"datasetDigest":"#)
    CanonicalJSON.writeString(table.datasetDigest, to: &out)
    raw(#","formatVersion":"#)
    int(PlanDocument.formatVersion)
    raw(#","keyEncodingVersion":"#)
    int(TrialIdentity.keyEncodingVersion)
    raw(#","points":["#)
    for (p, point) in table.points.enumerated() {
      if p > 0 { raw(",") }
      raw(#"{"dataSeed":"#)
      TrialKeyWriter.appendDecimal(point.dataSeed, to: &out)
      raw(#","initSeed":"#)
      TrialKeyWriter.appendDecimal(point.initSeed, to: &out)
      raw(#","metaparameters":"#)
      out.append(contentsOf: PlanTable.metaparameterBytes(point.metaparameters))
      raw("}")
    }
    raw(#"],"pruningNodes":["#)
    for (n, node) in table.pruningNodes.enumerated() {
      if n > 0 { raw(",") }
      raw(#"{"initSeed":"#)
      TrialKeyWriter.appendDecimal(node.initSeed, to: &out)
      raw(#","key":"#)
      CanonicalJSON.writeString(node.key.hex, to: &out)
      raw(#","sparsity":"#)
      out.append(contentsOf: CanonicalJSON.format(node.sparsity).utf8)
      raw("}")
    }
    raw(#"],"trainerVersion":"#)
    int(table.trainerVersion)
    raw(#","workload":"#)
    out.append(contentsOf: workload)
    raw("}\n")
    return out
  }

  /// The same document as a `CanonicalJSON` tree (slow; the reference the tests hold `bytes`
  /// equal to).
  func tree() throws -> CanonicalJSON {
    let cells: [CanonicalJSON] = table.cells.map { cell in
      .object([
        "batchSize": .int(Int64(cell.id.batchSize)), "maxSteps": .int(Int64(cell.maxSteps)),
        "optimizer": .int(Int64(cell.id.optimizer)), "sparsity": .double(cell.id.sparsity),
        "trials": .array(
          table.trials[cell.trials].map { t in
            .object([
              "index": .int(Int64(t.index)), "key": .string(t.key.hex),
              "mask": t.mask < 0 ? .null : .int(Int64(t.mask)), "point": .int(Int64(t.point)),
            ])
          }),
      ])
    }
    let points: [CanonicalJSON] = table.points.map { point in
      var values: [String: CanonicalJSON] = [:]
      for (name, value) in point.metaparameters { values[name.rawValue] = .double(value) }
      return .object([
        "dataSeed": .uint(point.dataSeed), "initSeed": .uint(point.initSeed),
        "metaparameters": .object(values),
      ])
    }
    let nodes: [CanonicalJSON] = table.pruningNodes.map { node in
      .object([
        "key": .string(node.key.hex), "sparsity": .double(node.sparsity),
        "initSeed": .uint(node.initSeed),
      ])
    }
    return .object([
      "cells": .array(cells),
      "datasetDigest": .string(table.datasetDigest),
      "formatVersion": .int(Int64(PlanDocument.formatVersion)),
      "keyEncodingVersion": .int(Int64(TrialIdentity.keyEncodingVersion)),
      "points": .array(points),
      "pruningNodes": .array(nodes),
      "trainerVersion": .int(Int64(table.trainerVersion)),
      "workload": try CanonicalJSONEncoder().encode(WorkloadDocument(table.workload)),
    ])
  }
}
