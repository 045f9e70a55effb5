import Planning
import Primitives

/// `stepwise diff` for people, Terraform-style: a comment line per cell, one line per trial that
/// needs something (`+`, `-`, `~` with the fields that changed), unchanged trials folded into one
/// line with any stopping-rule class, and the one-line summary last.
struct DiffHumanView {
  func render(_ diff: PlanDiff) -> String {
    // One string grown in place, reserved up front: a diff where every trial changed is
    // 200,000 lines.
    var out = ""
    out.reserveCapacity(64 * (diff.added + diff.dropped + 2 * diff.changed) + 4096)
    for cell in diff.cells {
      let c = cell.cell
      out +=
        "# \(c.optimizer + 1):\(cell.optimizer.rawValue), sparsity "
        + "\(CanonicalJSON.format(c.sparsity)), batch size \(c.batchSize)\n"
      // Unchanged trials are only counted: the first of each stopping class gives the reasons.
      var unchanged = 0
      var firstOfClass: [StoppingChange: (count: Int, first: TrialChange)] = [:]
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
          unchanged += 1
          if let kind = t.stopping {
            firstOfClass[kind, default: (0, t)].count += 1
          }
        }
      }
      if unchanged > 0 { out += foldUnchanged(unchanged, firstOfClass) }
    }
    out += "\n" + diff.summaryLine + ".\n"
    return out
  }

  private func foldUnchanged(
    _ count: Int, _ classes: [StoppingChange: (count: Int, first: TrialChange)]
  ) -> String {
    var out = "  = \(count) unchanged\n"
    let texts: [(StoppingChange, String)] = [
      (.extend, "to extend (trials continue from their checkpoints)"),
      (.analysisOnly, "analysis-only (answered from stored curves, nothing to train)"),
    ]
    for (kind, text) in texts {
      guard let matching = classes[kind] else { continue }
      out += "      \(matching.count) \(text)\n"
      for r in matching.first.reasons { out += "        \(r.field) \(r.old) -> \(r.new)\n" }
    }
    return out
  }
}
