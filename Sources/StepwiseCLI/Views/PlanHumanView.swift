import Foundation
import Planning
import Primitives
import WorkloadModel

/// `stepwise plan` for people: a summary read in five seconds, then one row per cell.
///
/// Every cost figure is an upper bound (each trial runs its whole budget), and the time estimate
/// names the throughput it assumed, because a number without its assumption misleads.
struct PlanHumanView {
  func render(_ plan: ExecutionPlan, _ s: PlanSummary) -> String {
    let w = plan.workload
    let sizes = Set(plan.trials.map(\.batchSize)).count
    let sparsities = Set(plan.trials.map(\.sparsity)).count
    let perCell = s.cells > 0 ? s.trials / s.cells : 0
    let optimizers = w.optimizers.map(\.kind.rawValue).joined(separator: ", ")
    let method = w.study.pruning.method.rawValue
    var out = """
      Plan for \(w.name): \(w.dataset.name.rawValue), \(w.model.architecture.name), \
      \(optimizers)
        cells           \(grouped(s.cells)) = \(w.optimizers.count) optimizer\
      \(w.optimizers.count == 1 ? "" : "s") x \(sparsities) sparsities x \(sizes) batch sizes
        trials          \(grouped(s.trials)) = \(grouped(perCell)) per cell, \
      \(grouped(s.done)) done, \(grouped(s.pending)) to run
        pruning masks   \(masks(s, method: method, batchSizes: sizes))\(probes(w.probes, s))
        largest budget  \(grouped(s.largestStepBudget)) steps
        examples        at most \(scientific(Double(s.trainingExamples))) trained, \
      \(scientific(Double(s.evaluationExamples))) evaluated
        compute         at most \(scientific(s.totalFLOP)) FLOP = \(hours(s.estimatedHours)) \
      at \(gflops(s.throughput)) GFLOP/s (assumed; --throughput)
        dataset digest  \(plan.datasetDigest)


      """
    out += table(s)
    return out
  }

  /// How many masks and what they cost: a mask is shared by every batch size of its init seed
  /// and sparsity, and sparsity 0 needs none.
  func masks(_ s: PlanSummary, method: String, batchSizes: Int) -> String {
    guard s.pruningNodes > 0 else { return "none (every sparsity is 0)" }
    let shared = "\(method), one per init seed and sparsity > 0, shared by \(batchSizes) batch sizes"
    guard s.pruningExamplesPerMask > 0 else { return "\(grouped(s.pruningNodes)) (\(shared); no data read)" }
    let seeds = s.pruningScoringPasses
    return "\(grouped(s.pruningNodes)) (\(shared))\n"
      + "                  \(grouped(seeds)) scoring pass\(seeds == 1 ? "" : "es") (one per init seed, "
      + "shared by its sparsities) of \(grouped(s.pruningExamplesPerMask)) examples: "
      + "\(scientific(s.pruningFLOP)) FLOP = \(hours(s.pruningFLOP / s.throughput / 3600))"
  }

  /// The probes' line, or nothing for a workload without them (its output stays as it was).
  func probes(_ p: ProbesSpec?, _ s: PlanSummary) -> String {
    guard let p else { return "" }
    var kinds: [String] = []
    if let l = p.lipschitz { kinds.append("Lipschitz every \(grouped(l.everySteps)) steps") }
    if let n = p.noiseScale { kinds.append("noise scale every \(grouped(n.everySteps)) steps") }
    let on: String
    switch p.on {
    case .all: on = "every trial"
    case .firstPerCell(let k): on = "the first \(grouped(k)) trial\(k == 1 ? "" : "s") of each cell"
    }
    return "\n  probes          \(kinds.joined(separator: ", ")) on \(on): "
      + "at most \(scientific(s.probeFLOP)) FLOP = \(hours(s.probeFLOP / s.throughput / 3600))"
  }

  func table(_ s: PlanSummary) -> String {
    var rows: [[String]] = [["optimizer", "sparsity", "batch", "trials", "max steps", "examples"]]
    for r in s.rows {
      rows.append([
        "\(r.cell.optimizer + 1):\(r.optimizer.rawValue)", CanonicalJSON.format(r.cell.sparsity),
        grouped(r.cell.batchSize), grouped(r.trials), grouped(r.maxSteps),
        scientific(Double(r.trainingExamples)),
      ])
    }
    let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
    var out = ""
    for row in rows {
      let cells = row.enumerated().map { c, text in
        let pad = String(repeating: " ", count: widths[c] - text.count)
        return c < 1 ? text + pad : pad + text
      }
      out += "  " + cells.joined(separator: "  ") + "\n"
    }
    return out
  }

  func footer(_ s: PlanSummary) -> String {
    s.pending == 0
      ? "Nothing to run.\n" : "\(grouped(s.pending)) trial\(s.pending == 1 ? "" : "s") to run.\n"
  }
}

/// 62346 -> "62,346".
func grouped(_ n: Int) -> String {
  let digits = Array(String(n.magnitude))
  var out = ""
  for (i, d) in digits.enumerated() {
    if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(d)
  }
  return n < 0 ? "-" + out : out
}

/// 1.23e+12, or the plain number below a million.
func scientific(_ x: Double) -> String {
  if x < 1e6 { return grouped(Int(x.rounded())) }
  return String(format: "%.2e", x)
}

func hours(_ h: Double) -> String {
  if h * 60 < 1 { return String(format: "%.0f seconds", (h * 3600).rounded(.up)) }
  if h < 1 { return String(format: "%.0f minutes", (h * 60).rounded(.up)) }
  if h < 48 { return String(format: "%.1f hours", h) }
  return "\(grouped(Int(h.rounded()))) hours (\(grouped(Int((h / 24).rounded()))) days)"
}

func gflops(_ flops: Double) -> String {
  let g = flops / 1e9
  return g == g.rounded() ? String(Int(g)) : String(format: "%.1f", g)
}
