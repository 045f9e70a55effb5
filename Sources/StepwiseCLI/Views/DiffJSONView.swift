import Planning

/// `stepwise diff --json`: every trial's action as one canonical JSON document for tools
/// (`formatVersion` 1; actions are the symbols `+`, `-`, `~`, `=`).
struct DiffJSONView {
  static let formatVersion = 1

  func render(_ diff: PlanDiff) -> String {
    func fields(_ changes: [FieldChange]) -> CanonicalJSON {
      .array(
        changes.map {
          .object(["field": .string($0.field), "old": .string($0.old), "new": .string($0.new)])
        })
    }
    let cells: [CanonicalJSON] = diff.cells.map { cell in
      .object([
        "optimizer": .int(Int64(cell.cell.optimizer)),
        "optimizerKind": .string(cell.optimizer.rawValue),
        "sparsity": .double(cell.cell.sparsity), "batchSize": .int(Int64(cell.cell.batchSize)),
        "trials": .array(
          cell.trials.map { t in
            .object([
              "action": .string(String(t.action.rawValue)), "index": .int(Int64(t.index)),
              "oldKey": t.oldKey.map { .string($0.hex) } ?? .null,
              "newKey": t.newKey.map { .string($0.hex) } ?? .null,
              "fields": fields(t.fields),
              "stopping": t.stopping.map { .string($0.rawValue) } ?? .null,
              "reasons": fields(t.reasons),
            ])
          }),
      ])
    }
    let doc = CanonicalJSON.object([
      "formatVersion": .int(Int64(Self.formatVersion)),
      "summary": .object([
        "add": .int(Int64(diff.added)), "change": .int(Int64(diff.changed)),
        "drop": .int(Int64(diff.dropped)), "unchanged": .int(Int64(diff.unchanged)),
        "extend": .int(Int64(diff.extend)), "analysisOnly": .int(Int64(diff.analysisOnly)),
        "line": .string(diff.summaryLine),
      ]),
      "cells": .array(cells),
    ])
    return doc.text + "\n"
  }
}
