import Analysis

/// `probes.csv`: every stored probe value, one row per trial, kind and step; and the per-curve
/// table of predicted against fitted critical batch sizes that summary.md shows.
enum ProbeExport {
  static let columns = [
    "workload", "optimizer", "sparsity", "trial_key", "kind", "step", "value",
  ]

  static func csv(_ studies: [StudyAnalysis]) -> String {
    var table = CSVTable(header: columns)
    for study in studies {
      for curve in study.probes {
        for v in curve.values {
          table.row([
            study.workload, curve.optimizerName, NumberFormat.exact(curve.sparsity), v.trialKey,
            v.kind.rawValue, String(v.step), NumberFormat.exact(v.value),
          ])
        }
      }
    }
    return table.text
  }

  /// Markdown rows: sparsity, predicted B_noise, fitted B_crit [interval].
  static func markdown(_ study: StudyAnalysis) -> String {
    guard !study.probes.isEmpty else { return "" }
    var lines = [
      "",
      "Critical batch size predicted by the gradient noise scale (McCandlish et al.) and "
        + "fitted to steps-to-result:", "",
      "| optimizer | sparsity | predicted B_noise | fitted B_crit | interval |",
      "|---|---|---|---|---|",
    ]
    for c in study.probes {
      let interval = c.fittedInterval.map {
        "\(NumberFormat.short($0.lowerBound))–\(NumberFormat.short($0.upperBound))"
      }
      lines.append(
        "| \(MarkdownSummary.cell(c.optimizerName)) | \(SparsityFormat.percent(c.sparsity)) | "
          + "\(c.predictedCriticalBatchSize.map(NumberFormat.short) ?? "–") | "
          + "\(c.fittedCriticalBatchSize.map(NumberFormat.short) ?? "–") | \(interval ?? "–") |")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
