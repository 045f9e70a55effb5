import Foundation
import Training
import WorkloadModel

/// `stepwise probe`'s table: the noise scale per step and the predicted critical batch size,
/// one row per (optimizer, sparsity), then the batch sizes the study should cover.
struct ProbeHumanView {
  func render(_ r: StudyProbe.Result) -> String {
    let o = r.options
    var lines: [String] = []
    let first = r.rows.first
    let rates =
      first.map { row in
        row.metaparameters.sorted { $0.key < $1.key }.map {
          "\($0.key.rawValue) \(Self.number($0.value))"
        }
        .joined(separator: ", ")
      } ?? ""
    lines.append(
      "\(r.workload): short runs of \(o.steps) steps at batch \(first?.batchSize ?? 0) (\(rates)); "
        + "B_noise from batches \(o.smallBatch) and \(o.bigBatch), \(o.draws) draws, "
        + "every \(o.everySteps) steps")
    let steps = first?.measurements.map(\.step) ?? []
    var header = "optimizer".padding(12) + "sparsity".padding(10) + "mask".padding(10)
    for s in steps { header += "B_noise@\(s)".padding(16) }
    header +=
      "|G|^2 (last)".padding(20) + "tr(Sigma) (last)".padding(20) + "pred. B_crit".padding(14)
    if r.rows.contains(where: { $0.lipschitz != nil }) {
      header += "Lipschitz L (probe ex/s)".padding(26)
    }
    header += "val. error".padding(11)
    lines.append(header)
    for row in r.rows {
      var line =
        row.optimizer.padding(12) + Self.number(row.sparsity).padding(10)
        + row.maskSource.padding(10)
      for m in row.measurements { line += Self.number(m.estimate.noiseScale).padding(16) }
      if let last = row.measurements.last?.estimate {
        line +=
          "\(Self.number(last.gradientSquaredNorm)) ± \(Self.number(last.gradientSquaredNormError))"
          .padding(20)
        line += "\(Self.number(last.traceCovariance)) ± \(Self.number(last.traceCovarianceError))"
          .padding(20)
      }
      line += (row.predictedCriticalBatchSize.map { String(format: "%.0f", $0) } ?? "unresolved")
        .padding(14)
      if let l = row.lipschitz {
        let rate = Double(l.examples * (l.gammas.count + 1)) / max(l.seconds, 1e-9)
        line += String(format: "%.4g (%.0f)", l.estimate, rate).padding(26)
      }
      line += (row.validationError.map { String(format: "%.2f%%", 100 * $0) } ?? "-").padding(11)
      lines.append(line)
    }
    if let range = r.recommendedRange {
      let study = r.studyBatchSizes
      let covered =
        (study.min() ?? Int.max) <= range.lowerBound && (study.max() ?? 0) >= range.upperBound
      lines.append(
        "Batch sizes to cover: \(range.lowerBound) to \(range.upperBound); the study covers "
          + "\(study.min() ?? 0) to \(study.max() ?? 0)"
          + (covered ? " (enough)." : " (widen it)."))
    } else {
      lines.append("No prediction: |G|^2 was not resolved from zero; raise --draws or --big.")
    }
    lines.append(String(format: "%.1f s", r.seconds))
    return lines.joined(separator: "\n") + "\n"
  }

  static func number(_ v: Double) -> String {
    guard v.isFinite else { return "\(v)" }
    if v == 0 { return "0" }
    if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.3g", v) }
    return String(format: "%.4g", v)
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
