import Planning

/// `stepwise diff` for people, Terraform-style: a comment line per cell, one line per trial that
/// needs something (`+`, `-`, `~` with the fields that changed), unchanged trials folded into one
/// line with any stopping-rule class, and the one-line summary last.
struct DiffHumanView {
  func render(_ diff: PlanDiff) -> String {
    var out = ""
    for cell in diff.cells {
      let c = cell.cell
      out +=
        "# \(c.optimizer + 1):\(cell.optimizer.rawValue), sparsity "
        + "\(CanonicalJSON.format(c.sparsity)), batch size \(c.batchSize)\n"
      var unchanged: [TrialChange] = []
      for t in cell.trials {
        switch t.action {
        case .add:
          out += "  + trial \(t.index)  \(t.newKey?.short ?? "")\n"
        case .drop:
          out += "  - trial \(t.index)  \(t.oldKey?.short ?? "")  (results kept, orphaned)\n"
        case .change:
          out += "  ~ trial \(t.index)  \(t.oldKey?.short ?? "") -> \(t.newKey?.short ?? "")\n"
          for f in t.fields { out += "      \(f.field) \(f.old) -> \(f.new)\n" }
        case .unchanged:
          unchanged.append(t)
        }
      }
      if !unchanged.isEmpty { out += foldUnchanged(unchanged) }
    }
    out += "\n" + diff.summaryLine + ".\n"
    return out
  }

  private func foldUnchanged(_ trials: [TrialChange]) -> String {
    var out = "  = \(trials.count) unchanged\n"
    let classes: [(StoppingChange, String)] = [
      (.extend, "to extend (trials continue from their checkpoints)"),
      (.analysisOnly, "analysis-only (answered from stored curves, nothing to train)"),
    ]
    for (kind, text) in classes {
      let matching = trials.filter { $0.stopping == kind }
      guard let first = matching.first else { continue }
      out += "      \(matching.count) \(text)\n"
      for r in first.reasons { out += "        \(r.field) \(r.old) -> \(r.new)\n" }
    }
    return out
  }
}
