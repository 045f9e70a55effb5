import ClusterRun
import Foundation
import Scheduling

/// The closing summary of `stepwise run` (standard output): trials by state, what early stop
/// saved, wall time, throughput, the store's share, then the steps-to-result table and the
/// curves' regions and critical batch sizes.
struct RunSummaryView {
  func render(_ outcome: StudyRun.Outcome, parallelism: Parallelism) -> String {
    let s = outcome.summary
    var out = ""
    if outcome.interruptedBeforeTraining {
      out += "interrupted while computing masks; run the same command again to continue\n"
    } else if s.interrupted {
      out += "interrupted: running trials were checkpointed; run the same command again to "
        + "continue\n"
    }
    let totals = outcome.table.totals
    let states = TrialState.allCases.compactMap { state -> String? in
      let n = totals[state] ?? 0
      return n > 0 ? "\(n) \(state.rawValue)" : nil
    }
    out += "trials: \(s.total) (\(states.joined(separator: ", ")))"
    out += "; this run finished \(s.byState.filter { $0.key.isFinished }.values.reduce(0, +))"
    if s.alreadyFinished > 0 { out += ", \(s.alreadyFinished) were already done" }
    if s.heldElsewhere > 0 { out += ", \(s.heldElsewhere) held by another run" }
    if s.retries > 0 { out += ", \(s.retries) retried" }
    out += "\n"
    if outcome.masksComputed + outcome.masksStored > 0 {
      out += String(
        format: "masks: %d computed (%.1f s), %d from the store\n", outcome.masksComputed,
        outcome.maskSeconds, outcome.masksStored)
    }
    let budgetShare =
      s.stepsRun + s.stepsSavedByEarlyStop > 0
      ? 100 * Double(s.stepsSavedByEarlyStop) / Double(s.stepsRun + s.stepsSavedByEarlyStop) : 0
    out += String(
      format: "steps: %d trained, %d saved by exact early stop (%.0f%% of the budget left)\n",
      s.stepsRun, s.stepsSavedByEarlyStop, budgetShare)
    if s.examplesSkippedByEarlyExit > 0 {
      let evaluated = s.examplesEvaluated + s.examplesSkippedByEarlyExit
      out += String(
        format:
          "evaluation: %d of %d validation examples looked at (%.0f%% skipped by exact early exit)\n",
        s.examplesEvaluated, evaluated,
        100 * Double(s.examplesSkippedByEarlyExit) / Double(evaluated))
    }
    let trialThreads = Double(parallelism.jobs) * max(outcome.summary.wallSeconds, 1e-9)
    out += String(
      format: "time: %@ wall (%@ training), %.0f examples/s, %@\n",
      RunProgress.duration(outcome.wallSeconds), RunProgress.duration(s.wallSeconds),
      s.examplesPerSecond, parallelism.description)
    out += String(
      format: "store: %.2f s in %d calls (%.2f%% of the trials' thread time)\n",
      outcome.storeSeconds, outcome.storeCalls, 100 * outcome.storeSeconds / trialThreads)
    if let serving = outcome.serving {
      out += String(
        format: "mpirun: rank 0 served %d trial starts with %d messages (%.1f MB) in %.3f s, "
          + "%.3f s of it in the store (%.1f ms of messaging per trial)\n",
        serving.trials, serving.messages, Double(serving.bytes) / 1e6, serving.seconds,
        serving.storeSeconds,
        1000 * (serving.seconds - serving.storeSeconds) / Double(max(1, serving.trials)))
    }
    if !outcome.lostGroups.isEmpty {
      out += "mpirun: lost ranks "
        + outcome.lostGroups.flatMap(\.ranks).map(String.init).joined(separator: ", ")
        + " (dead or silent); their trials went to other groups\n"
    }
    for conflict in s.nonDeterminism { out += "warning: \(conflict)\n" }
    out += "\n" + outcome.table.render()
    if let analysis = outcome.analysis {
      let scaling = ScalingLines(analysis: analysis).render()
      if !scaling.isEmpty { out += "\n" + scaling }
    }
    return out
  }
}
