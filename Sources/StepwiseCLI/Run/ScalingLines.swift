import Analysis
import Foundation
import Report

/// The scaling part of `stepwise run`'s summary: for each curve, its regions as runs of batch
/// sizes and the fitted critical batch size with its bootstrap interval. The numbers are the
/// analysis `stepwise report` draws (same rule, fit and seed), so the two never disagree.
struct ScalingLines {
  var analysis: StudyAnalysis
  var rule = RegionRule()

  func render() -> String {
    let curves = analysis.curves.filter { !$0.points.isEmpty }
    guard !curves.isEmpty else { return "" }
    var out =
      "scaling (regions: perfect scaling within \(NumberFormat.short(rule.factor))x of the "
      + "line from the smallest batch size, maximal data parallelism within "
      + "\(NumberFormat.short(100 * rule.plateauGain))% of the best smaller one; "
      + "B_crit from S(B) = S_min (1 + B_crit / B), 16-84% bootstrap)\n"
    var rows: [[String]] = []
    for curve in curves {
      rows.append([curve.label + ":", Self.regions(curve) + ";", Self.critical(curve)])
    }
    out += StepsTable.align(rows, leftColumns: 3)
    return out
  }

  /// "perfect scaling 4-32, diminishing returns 64-256, maximal data parallelism 512-1024":
  /// consecutive measured batch sizes of one region joined into a range.
  static func regions(_ curve: CurveAnalysis) -> String {
    var runs: [(region: ScalingRegion, first: Int, last: Int)] = []
    for cell in curve.points {
      guard let region = cell.region else { continue }
      if let last = runs.last, last.region == region {
        runs[runs.count - 1].last = cell.batchSize
      } else {
        runs.append((region, cell.batchSize, cell.batchSize))
      }
    }
    return runs.map { run in
      let name = run.region.rawValue.replacingOccurrences(of: "-", with: " ")
      return run.first == run.last ? "\(name) \(run.first)" : "\(name) \(run.first)-\(run.last)"
    }.joined(separator: ", ")
  }

  /// "B_crit 95 (71-128)", or why there is none.
  static func critical(_ curve: CurveAnalysis) -> String {
    guard let fit = curve.fit else {
      return "no fit (\(curve.points.count) points; \(ScalingFit.minimumPoints) needed)"
    }
    var text = "B_crit " + NumberFormat.short(fit.criticalBatchSize)
    if let interval = curve.interval {
      text +=
        " (\(NumberFormat.short(interval.low))-\(NumberFormat.short(interval.high)))"
    }
    switch fit.bound {
    case .above?: text += ", at the fit's upper edge"
    case .below?: text += ", at the fit's lower edge"
    case nil: break
    }
    return text
  }
}
