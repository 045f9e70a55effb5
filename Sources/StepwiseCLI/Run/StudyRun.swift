import Analysis
import ClusterRun
import Foundation
import Planning
import Pruning
import ResultsStore
import Scheduling
import Synchronization
import Training

/// One `stepwise run` of a compiled plan against a store: the glue between the stages.
///
/// 1. Registers the plan in the store (its study, every trial as planned unless known), refusing
///    a saved plan that is stale against the store.
/// 2. Computes each pruning node's mask once (skipping those already stored) and stores it; every
///    trial of the node, at every batch size, trains under that mask.
/// 3. Hands the plan to the `Scheduler` with the trainer (`ScheduledTrialRunner`) and the store
///    (`StoreLedger`), which skips finished trials, resumes interrupted ones from their
///    checkpoints and stops dominated ones early (exactly).
/// 4. Reads the study back from the store for the steps-to-result table.
struct StudyRun {
  var plan: ExecutionPlan
  var isSavedPlan: Bool
  var store: ResultsStore
  var parallelism: Parallelism
  var checkpointEverySteps: Int
  var progress: RunProgress
  var handleSignals = true
  /// Off only to check (and measure) what exact early stop saves.
  var exactEarlyStop = true
  var cores = ProcessInfo.processInfo.activeProcessorCount
  /// Under `mpirun`: rank 0's coordinator, which trains each trial on a group of other ranks
  /// (`parallelism.jobs` is then the number of groups).
  var cluster: ClusterCoordinator? = nil

  struct Outcome {
    var summary: SchedulerSummary
    var table: StepsTable
    /// The analysis `stepwise report` makes of the study: regions and critical batch sizes.
    var analysis: StudyAnalysis? = nil
    var masksComputed: Int
    var masksStored: Int
    var maskSeconds: Double
    /// Seconds the trials' threads spent waiting on the store, and the number of calls.
    var storeSeconds: Double
    var storeCalls: Int
    /// Everything from opening the plan to the table, masks included.
    var wallSeconds: Double
    var interruptedBeforeTraining: Bool
    /// Under `mpirun`: rank 0's messaging work, and the groups lost to dead ranks.
    var serving: ServingStatistics? = nil
    var lostGroups: [TrainingGroup] = []
  }

  /// The plan's identity in the store (`PlanDocument.identityHash`: SHA-256 of its saved-plan
  /// bytes).
  static func planHash(_ plan: ExecutionPlan) throws -> String {
    try PlanDocument.identityHash(plan)
  }

  func execute() throws -> Outcome {
    let started = Date()
    let hash = try Self.planHash(plan)
    if isSavedPlan, let existing = try store.study(named: plan.workload.name),
      let stored = try store.planHash(of: existing), stored != hash
    {
      throw RunError.stalePlan(name: plan.workload.name, store: store.path)
    }
    let study = try store.register(plan, planHash: hash)
    try store.setSetting("checkpoint_every_steps", String(checkpointEverySteps))

    // Masks, once per pruning node, before any trial: a Ctrl-C here stops between masks.
    let interrupted = LockedFlag()
    var trap: SignalTrap? =
      handleSignals ? SignalTrap { _ in interrupted.set() } : nil
    let masks = try prepareMasks(interrupted: interrupted)
    trap?.cancel()
    trap = nil
    if interrupted.value {
      var summary = SchedulerSummary()
      summary.total = plan.trials.count
      summary.interrupted = true
      return Outcome(
        summary: summary, table: StepsTable(try store.readStudy(study), workload: plan.workload),
        masksComputed: masks.computed, masksStored: masks.stored, maskSeconds: masks.seconds,
        storeSeconds: 0, storeCalls: 0, wallSeconds: Date().timeIntervalSince(started),
        interruptedBeforeTraining: true)
    }

    let owner = LeaseOwner.current()
    try store.beginRun(
      RunRecord(
        owner: owner, study: study, machine: Self.machine(cores: cores),
        stepwiseVersion: Stepwise.configuration.version, trainerVersion: plan.trainerVersion,
        jobs: parallelism.jobs, workers: parallelism.workers))
    let ledger = TimedLedger(StoreLedger(store: store, study: study))
    let table = masks.table
    var local = ScheduledTrialRunner(
      trainer: TrialRunner(
        configuration: TrainerConfiguration(
          workers: parallelism.workers, threadsPerWorker: parallelism.threadsPerWorker,
          checkpointEverySteps: checkpointEverySteps)),
      masks: { key in table[key] })
    local.reported = Self.kernelLog(progress)
    let runner: any TrialRunning =
      cluster?.runner(masks: { key in table[key] }).probing(plan.workload.probes, into: store)
      ?? local.probing(plan.workload.probes, into: store)
    let scheduler = Scheduler(
      ledger: ledger, runner: runner,
      configuration: SchedulerConfiguration(
        jobs: parallelism.jobs, exactEarlyStop: exactEarlyStop,
        checkpointEverySteps: checkpointEverySteps,
        handleSignals: handleSignals, owner: owner),
      progress: progress)
    let summary = try scheduler.run(plan)
    try store.finishRun(owner.runID, summary)
    let totals = ledger.totals
    let read = try store.readStudy(study)
    return Outcome(
      summary: summary, table: StepsTable(read, workload: plan.workload),
      analysis: Analyzer.analyze(
        StudyResults(table: read, workload: plan.workload), options: AnalysisOptions()),
      masksComputed: masks.computed, masksStored: masks.stored, maskSeconds: masks.seconds,
      storeSeconds: totals.seconds, storeCalls: totals.calls,
      wallSeconds: Date().timeIntervalSince(started), interruptedBeforeTraining: false,
      serving: cluster?.serving, lostGroups: cluster?.lostGroups ?? [])
  }

  /// The masks of every pruning node with a sparse trial: read from the store, or computed on
  /// every core and stored.
  private func prepareMasks(interrupted: LockedFlag) throws -> (
    table: [TrialKey: [Float]], computed: Int, stored: Int, seconds: Double
  ) {
    var firstTrial: [TrialKey: TrialSpec] = [:]
    var nodes: [PruningNode] = []
    for spec in plan.trials {
      guard let node = spec.pruning, spec.sparsity > 0, firstTrial[node.key] == nil else {
        continue
      }
      firstTrial[node.key] = spec
      nodes.append(node)
    }
    var table: [TrialKey: [Float]] = [:]
    var computed = 0
    var stored = 0
    var seconds = 0.0
    var labels: [TrialKey: String] = [:]
    // Masks that share their scores (one init seed and method, several sparsities) are computed
    // together, from one pass over the data.
    var groups: [[PruningNode]] = []
    var groupOf: [ScoreSource: Int] = [:]
    for (position, node) in nodes.enumerated() {
      let label =
        "mask \(position + 1)/\(nodes.count): \(node.method.method.rawValue) "
        + "sparsity \(StepsTable.percent(node.sparsity)) init seed \(node.initSeed) "
        + "[\(node.key.short)]"
      if let record = try store.mask(node.key) {
        table[node.key] = record.mask.unpacked()
        stored += 1
        progress.note("\(label): stored")
        continue
      }
      labels[node.key] = label
      let source = ScoreSource(node)
      if let index = groupOf[source] {
        groups[index].append(node)
      } else {
        groupOf[source] = groups.count
        groups.append([node])
      }
    }
    // Groups for different init seeds are independent: score them on every core at once (one
    // kernel thread each when there are as many groups as cores), storing each as it finishes.
    let jobs = max(1, min(cores, groups.count))
    let builder = MaskBuilder(threads: max(1, cores / jobs))
    let specs = groups.map { group in group.compactMap { firstTrial[$0.key] } }
    let results = MaskResults()
    let store = self.store
    let progress = self.progress
    let labelOf = labels
    let groupList = groups
    let maskStart = Date()
    builder.masks(
      forGroups: specs, jobs: jobs, shouldStop: { interrupted.value || results.failed },
      finished: { g, outcome in
        let group = groupList[g]
        do {
          let masks = try outcome.get()
          for (node, result) in zip(group, masks) {
            try store.saveMask(MaskRecord(node: node, result: result))
            // Another run may have stored the node first; train under the stored one either way.
            let mask = try store.mask(node.key)?.mask.unpacked() ?? result.mask
            results.add(node.key, mask)
            let how =
              result.examples > 0
              ? "computed on \(result.examples) examples"
              : (group.count > 1 && node != group.first
                ? "selected from the same scores" : "computed")
            progress.note(
              String(
                format: "%@: %@ in %.1f s (%.2f%% kept)", labelOf[node.key] ?? "", how,
                result.seconds, 100 * (1 - result.achievedSparsity)))
          }
        } catch let error as MaskBuilderError {
          let names = group.compactMap { labelOf[$0.key] }.joined(separator: "; ")
          results.fail(RunError.mask(label: names, message: "\(error)"))
        } catch {
          results.fail(error)
        }
      })
    if let error = results.error { throw error }
    for (key, mask) in results.masks { table[key] = mask }
    computed += results.masks.count
    // Wall time of the stage: with groups scored at once, the sum over masks would overstate it.
    seconds += results.masks.isEmpty ? 0 : Date().timeIntervalSince(maskStart)
    return (table, computed, stored, seconds)
  }

  /// CPU model and core count, for the runs table.
  static func machine(cores: Int) -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model =
      cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
      .flatMap { $0.split(separator: ":", maxSplits: 1).last }
      .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    return "\(model), \(cores) cores"
  }
}

/// What the concurrent mask workers produced (every call is under `MaskBuilder`'s report lock).
private final class MaskResults: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var masks: [TrialKey: [Float]] = [:]
  private(set) var error: Error?

  var failed: Bool { lock.withLock { error != nil } }

  func add(_ key: TrialKey, _ mask: [Float]) {
    lock.withLock { masks[key] = mask }
  }

  func fail(_ error: Error) {
    lock.withLock { if self.error == nil { self.error = error } }
  }
}

/// A flag set from the signal trap's thread and read by the mask loop.
final class LockedFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var flag = false
  func set() { lock.withLock { flag = true } }
  var value: Bool { lock.withLock { flag } }
}

/// Why a run could not start or go on, in words for the user.
enum RunError: Error, CustomStringConvertible {
  case stalePlan(name: String, store: String)
  case mask(label: String, message: String)

  var description: String {
    switch self {
    case .stalePlan(let name, let store):
      return "the saved plan is stale: study '\(name)' in \(store) was registered from a "
        + "different plan (the workload or the data changed since it was saved); re-plan with "
        + "`stepwise plan WORKLOAD --out PLAN`, or run the workload itself"
    case .mask(let label, let message):
      return "\(label): \(message)"
    }
  }
}

extension StudyRun {
  /// Notes each distinct set of kernel paths (sparse or dense per layer) and all-reduce bytes
  /// the trials report, once per run.
  static func kernelLog(_ progress: RunProgress) -> @Sendable (TrialSpec, TrialReport) -> Void {
    let seen = Mutex<Set<String>>([])
    return { spec, report in
      guard !report.layerPaths.isEmpty else { return }
      var line = "kernels at batch \(spec.batchSize): " + report.layerPaths.joined(separator: "; ")
      if report.allReduceBytesPerStep > 0 {
        line += "; all-reduce \(report.allReduceBytesPerStep) bytes/step per worker"
      }
      if seen.withLock({ $0.insert(line).inserted }) { progress.note(line) }
    }
  }
}
