import Planning
import Primitives

/// `stepwise diff --json`: every trial's action as one canonical JSON document for tools
/// (`formatVersion` 1; actions are the symbols `+`, `-`, `~`, `=`).
struct DiffJSONView {
  static let formatVersion = 1

  /// The document's canonical bytes, written member by member in sorted order straight into
  /// one buffer (tested equal to `tree`): a tree of 100,000 trial objects cost a second and
  /// 200 MB.
  func render(_ diff: PlanDiff) -> String {
    var out: [UInt8] = []
    let trials = diff.added + diff.dropped + diff.changed + diff.unchanged
    out.reserveCapacity(trials * 220 + 4096)
    func raw(_ text: StaticString) {
      text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
    func string(_ text: String) { CanonicalJSON.writeString(text, to: &out) }
    func int(_ value: Int) { out.append(contentsOf: String(value).utf8) }
    func key(_ digest: TrialDigest?) {
      guard let digest else { return raw("null") }
      raw("\"")
      digest.writeHex(to: &out)
      raw("\"")
    }
    func fields(_ changes: [FieldChange]) {
      raw("[")
      for (i, f) in changes.enumerated() {
        if i > 0 { raw(",") }
        raw(#"{"field":"#)
        string(f.field)
        raw(#","new":"#)
        string(f.new)
        raw(#","old":"#)
        string(f.old)
        raw("}")
      }
      raw("]")
    }
    raw(#"{"cells":["#)
    for (c, cell) in diff.cells.enumerated() {
      if c > 0 { raw(",") }
      raw(#"{"batchSize":"#)
      int(cell.cell.batchSize)
      raw(#","optimizer":"#)
      int(cell.cell.optimizer)
      raw(#","optimizerKind":"#)
      string(cell.optimizer.rawValue)
      raw(#","sparsity":"#)
      out.append(contentsOf: CanonicalJSON.format(cell.cell.sparsity).utf8)
      raw(#","trials":["#)
      for (i, t) in cell.trials.enumerated() {
        if i > 0 { raw(",") }
        raw(#"{"action":"#)
        string(String(t.action.rawValue))
        raw(#","fields":"#)
        fields(t.fields)
        raw(#","index":"#)
        int(t.index)
        raw(#","newKey":"#)
        key(t.newDigest)
        raw(#","oldKey":"#)
        key(t.oldDigest)
        raw(#","reasons":"#)
        fields(t.reasons)
        raw(#","stopping":"#)
        if let stopping = t.stopping { string(stopping.rawValue) } else { raw("null") }
        raw("}")
      }
      raw("]}")
    }
    raw(#"],"formatVersion":"#)
    int(Self.formatVersion)
    raw(#","summary":{"add":"#)
    int(diff.added)
    raw(#","analysisOnly":"#)
    int(diff.analysisOnly)
    raw(#","change":"#)
    int(diff.changed)
    raw(#","drop":"#)
    int(diff.dropped)
    raw(#","extend":"#)
    int(diff.extend)
    raw(#","line":"#)
    string(diff.summaryLine)
    raw(#","unchanged":"#)
    int(diff.unchanged)
    raw("}}\n")
    return String(decoding: out, as: UTF8.self)
  }

  /// The same document as a `CanonicalJSON` tree: the reference `render` is tested equal to.
  func tree(_ diff: PlanDiff) -> String {
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
