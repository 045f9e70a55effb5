import Dispatch
import Foundation
import Planning

/// Runs a plan's unfinished trials on `jobs` threads, with exact early stop, leases, retries of
/// interrupted trials and clean interrupts.
///
/// **Exact early stop.** A cell's steps-to-result is the smallest step, over its trials, whose
/// evaluation meets the goal. Once some trial of the cell met it at step s, a trial that has not
/// met it by step s cannot lower that minimum, so the scheduler tells it (through its session)
/// to stop at s at the latest; it is recorded `dominated`. The bound s only ever decreases and is
/// never below the true minimum, so the trial that attains the minimum always runs to it: the
/// cell's steps-to-result is the same as if every trial ran to its budget. Bounds found by other
/// runs on the same store arrive with each claim.
///
/// **Ordering.** See `TrialOrdering`; the default (`informed`) gives every cell a bound early and
/// tries the most promising metaparameters first.
///
/// **Resume.** Finished trials are skipped; interrupted (or crashed) ones resume from their
/// latest checkpoint. Only interrupted trials are retried automatically.
public final class Scheduler: @unchecked Sendable {
  private let ledger: any TrialLedger
  private let runner: any TrialRunning
  private let configuration: SchedulerConfiguration
  private let progress: any SchedulerProgress

  private let lock = NSLock()
  private var queue: TrialQueue
  /// The lowest steps-to-result per cell seen so far (this run, earlier runs, other runs).
  private var cellBest: [CellID: Int] = [:]
  private var running: [TrialKey: TrialSession] = [:]
  private var retries: [TrialKey: Int] = [:]
  private var interruptRequested = false
  private var fatal: Error?
  private var summary = SchedulerSummary()
  private var finishedCount = 0
  private var finishedWallSeconds = 0.0
  private var finishedThisRun = 0
  private var heartbeatStopped = false
  private let heartbeatCondition = NSCondition()

  public init(
    ledger: any TrialLedger, runner: any TrialRunning,
    configuration: SchedulerConfiguration = SchedulerConfiguration(),
    progress: any SchedulerProgress = SilentProgress()
  ) {
    self.ledger = ledger
    self.runner = runner
    self.configuration = configuration
    self.progress = progress
    self.queue = TrialQueue(ordering: configuration.ordering)
  }

  /// Runs every unfinished trial of `plan` and returns when all are finished, held by another
  /// run, or the run was interrupted. Throws the first store error (after stopping every trial).
  public func run(_ plan: ExecutionPlan) throws -> SchedulerSummary {
    let started = Date()
    let finished = try ledger.finishedResults(plan.trials.map(\.key))
    lock.withLock {
      summary = SchedulerSummary()
      summary.total = plan.trials.count
      queue = TrialQueue(ordering: configuration.ordering)
      for spec in plan.trials {
        if let result = finished[spec.key] {
          summary.alreadyFinished += 1
          noteFinishedLocked(spec, result)
        } else {
          queue.append(spec)
        }
      }
      finishedCount = summary.alreadyFinished
    }
    progress.scheduler(
      .began(
        total: plan.trials.count, alreadyFinished: finished.count,
        toRun: plan.trials.count - finished.count))

    let trap =
      configuration.handleSignals
      ? SignalTrap { [weak self] _ in self?.requestInterrupt() } : nil
    defer { trap?.cancel() }

    let group = DispatchGroup()
    for _ in 0..<configuration.jobs {
      group.enter()
      let thread = Thread { [self] in
        workLoop()
        group.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    let heartbeat = Thread { [self] in heartbeatLoop() }
    heartbeat.start()
    group.wait()
    heartbeatCondition.withLock {
      heartbeatStopped = true
      heartbeatCondition.broadcast()
    }

    return try lock.withLock {
      if let fatal { throw fatal }
      summary.notStarted = queue.count
      summary.wallSeconds = Date().timeIntervalSince(started)
      return summary
    }
  }

  /// Asks every running trial to checkpoint and stop, and starts no more. Safe from any thread
  /// (the signal handler calls it).
  public func requestInterrupt() {
    let sessions = lock.withLock {
      let first = !interruptRequested
      interruptRequested = true
      summary.interrupted = true
      return first ? Array(running.values) : []
    }
    for session in sessions { session.requestInterrupt() }
    progress.scheduler(.interruptRequested)
  }

  // MARK: Workers

  private func workLoop() {
    while let spec = nextTrial() {
      runOne(spec)
    }
  }

  private func nextTrial() -> TrialSpec? {
    lock.withLock {
      guard !interruptRequested, fatal == nil else { return nil }
      return queue.next()
    }
  }

  private func runOne(_ spec: TrialSpec) {
    let claim: ClaimResult
    do {
      claim = try ledger.claim(spec.key, owner: configuration.owner)
    } catch {
      fail(error)
      return
    }
    switch claim {
    case .finished(let result):
      lock.withLock {
        summary.alreadyFinished += 1
        finishedCount += 1
        noteFinishedLocked(spec, result)
      }
    case .held(let owner):
      lock.withLock { summary.heldElsewhere += 1 }
      progress.scheduler(.trialHeldElsewhere(spec, by: owner))
    case .claimed(let checkpoint, let storeBest):
      train(spec, from: checkpoint, storeBest: storeBest)
    }
  }

  private func train(_ spec: TrialSpec, from checkpoint: TrialCheckpoint?, storeBest: Int?) {
    let session = makeSession(spec, storeBest: storeBest)
    let registered = lock.withLock {
      running[spec.key] = session
      return !interruptRequested
    }
    if !registered { session.requestInterrupt() }
    progress.scheduler(.trialStarted(spec, resumingFromStep: checkpoint?.step))

    let started = Date()
    let outcome = runner.run(spec, resumingFrom: checkpoint, session: session)
    let wall = Date().timeIntervalSince(started)
    let result = makeResult(spec, outcome, session, checkpoint: checkpoint, wall: wall)

    let retry = lock.withLock { () -> Int? in
      running[spec.key] = nil
      let stepsThisRun = max(0, result.stepsRun - (checkpoint?.step ?? 0))
      summary.stepsRun += stepsThisRun
      summary.examplesTrained += stepsThisRun * spec.batchSize
      guard result.state == .interrupted, !interruptRequested, fatal == nil else { return nil }
      let attempt = (retries[spec.key] ?? 0) + 1
      guard attempt <= configuration.maxInterruptRetries else { return nil }
      retries[spec.key] = attempt
      summary.retries += 1
      return attempt
    }

    let recording: ResultRecording
    do {
      recording = try ledger.recordResult(spec.key, result, owner: configuration.owner)
    } catch {
      fail(error)
      return
    }
    if case .nonDeterministic(let conflict) = recording {
      lock.withLock { summary.nonDeterminism.append(conflict) }
      progress.scheduler(.nonDeterminism(conflict))
    }
    if let attempt = retry {
      lock.withLock { queue.append(spec) }
      progress.scheduler(.trialRetried(spec, attempt: attempt))
      return
    }
    let counts = lock.withLock { () -> ProgressCounts in
      summary.byState[result.state, default: 0] += 1
      if result.state == .dominated {
        summary.stepsSavedByEarlyStop += max(0, spec.maxSteps - result.stepsRun)
      }
      if result.state.isFinished {
        finishedCount += 1
        finishedThisRun += 1
        finishedWallSeconds += wall
        noteFinishedLocked(spec, result)
      }
      return countsLocked()
    }
    progress.scheduler(.trialFinished(spec, result))
    progress.scheduler(.progress(counts))
  }

  private func makeSession(_ spec: TrialSpec, storeBest: Int?) -> TrialSession {
    let bound = lock.withLock { () -> Int? in
      if let storeBest { raiseBoundLocked(spec.cell, storeBest) }
      return configuration.exactEarlyStop ? cellBest[spec.cell] : nil
    }
    let key = spec.key
    return TrialSession(
      spec: spec, checkpointEverySteps: configuration.checkpointEverySteps, stopAtStep: bound,
      onEvaluation: { [self] evaluation in evaluated(spec, evaluation) },
      onCheckpoint: { [self] checkpoint in
        do {
          try ledger.saveCheckpoint(key, checkpoint)
        } catch {
          fail(error)
        }
      })
  }

  /// Records one evaluation and answers the trial: the early-stop bound, or interrupt.
  private func evaluated(_ spec: TrialSpec, _ evaluation: Evaluation) -> TrialDirective {
    do {
      try ledger.recordEvaluations(spec.key, [evaluation])
    } catch {
      fail(error)
      return .interrupt
    }
    progress.scheduler(.trialEvaluated(spec, evaluation))
    return lock.withLock {
      if let counts = evaluation.counts {
        summary.examplesEvaluated += counts.seen
        summary.examplesSkippedByEarlyExit += max(0, counts.total - counts.seen)
      }
      if interruptRequested || fatal != nil { return .interrupt }
      if evaluation.meets(spec.goal) {
        raiseBoundLocked(spec.cell, evaluation.step)
        return .stop(atStep: evaluation.step)
      }
      guard configuration.exactEarlyStop, let bound = cellBest[spec.cell] else { return .proceed }
      return .stop(atStep: bound)
    }
  }

  /// Lowers a cell's bound and tells its running trials.
  private func raiseBoundLocked(_ cell: CellID, _ step: Int) {
    guard step < (cellBest[cell] ?? Int.max) else { return }
    cellBest[cell] = step
    guard configuration.exactEarlyStop else { return }
    for session in running.values where session.spec.cell == cell {
      session.stop(atStep: step)
    }
  }

  private func noteFinishedLocked(_ spec: TrialSpec, _ result: TrialResult) {
    queue.learn(spec, result)
    if result.state == .reached, let step = result.stepsToResult {
      raiseBoundLocked(spec.cell, step)
    }
  }

  /// Checks the trainer's outcome against the evaluations it reported, and adds the numbers.
  private func makeResult(
    _ spec: TrialSpec, _ outcome: TrialOutcome, _ session: TrialSession,
    checkpoint: TrialCheckpoint?, wall: Double
  ) -> TrialResult {
    let seen = session.observed
    let stepsRun = max(seen.lastStep, checkpoint?.step ?? 0)
    let examples = Double(max(0, stepsRun - (checkpoint?.step ?? 0)) * spec.batchSize)
    var result = TrialResult(
      state: outcome.state, stepsToResult: nil, stepsRun: stepsRun, bestMetric: seen.bestMetric,
      wallSeconds: wall, examplesPerSecond: wall > 0 ? examples / wall : 0)
    switch outcome {
    case .reached(let step):
      if seen.firstGoalStep == step {
        result.stepsToResult = step
      } else {
        result.state = .failed
        result.message =
          "the trainer reported the goal met at step \(step), but its evaluations "
          + (seen.firstGoalStep.map { "first met it at step \($0)" } ?? "never met it")
      }
    case .notReached, .dominated:
      if let first = seen.firstGoalStep {
        result.state = .failed
        result.message =
          "the trainer reported \(outcome.state.rawValue), but its evaluation at step \(first) "
          + "met the goal"
      } else if case .dominated(let step) = outcome {
        result.stepsRun = max(result.stepsRun, step)
      }
    case .failed(let message):
      result.message = message
    case .diverged, .interrupted:
      break
    }
    return result
  }

  private func countsLocked() -> ProgressCounts {
    let pending = queue.count
    let remaining = pending + running.count
    let eta: Double? =
      finishedThisRun > 0
      ? finishedWallSeconds / Double(finishedThisRun) * Double(remaining)
        / Double(configuration.jobs) : nil
    return ProgressCounts(
      total: summary.total, finished: finishedCount, running: running.count, pending: pending,
      stepsRun: summary.stepsRun, etaSeconds: eta)
  }

  /// Records the first store error and interrupts everything: the store is unusable.
  private func fail(_ error: Error) {
    let sessions = lock.withLock {
      if fatal == nil { fatal = error }
      return Array(running.values)
    }
    for session in sessions { session.requestInterrupt() }
  }

  // MARK: Leases

  /// Renews the leases of running trials until the run ends.
  private func heartbeatLoop() {
    while true {
      let stopped = heartbeatCondition.withLock { () -> Bool in
        if !heartbeatStopped {
          _ = heartbeatCondition.wait(
            until: Date(timeIntervalSinceNow: configuration.leaseRenewSeconds))
        }
        return heartbeatStopped
      }
      if stopped { return }
      let keys = lock.withLock { Array(running.keys) }
      guard !keys.isEmpty else { continue }
      do {
        try ledger.renewLeases(keys, owner: configuration.owner)
      } catch {
        fail(error)
      }
    }
  }
}
