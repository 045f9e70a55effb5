import Foundation
import Planning

/// The line between a running trial and the scheduler: the trainer reports evaluations and
/// checkpoints through it and learns when to stop.
///
/// The scheduler builds one per trial run. Trainer tests can build their own with closures.
/// All methods are thread-safe; `directive` is a lock-protected read cheap enough to poll every
/// step.
public final class TrialSession: @unchecked Sendable {
  public let spec: TrialSpec
  /// Save a checkpoint every this many steps (a crash loses at most this many).
  public let checkpointEverySteps: Int

  private let onEvaluation: @Sendable (Evaluation) -> TrialDirective
  private let onCheckpoint: @Sendable (TrialCheckpoint) -> Void
  private let lock = NSLock()
  private var interruptRequested = false
  private var stopAtStep: Int?
  private var lastStep = 0
  private var firstGoalStep: Int?
  private var bestMetric: Double?

  /// - Parameters:
  ///   - spec: the trial.
  ///   - checkpointEverySteps: how often the trainer should save a checkpoint.
  ///   - stopAtStep: a bound already known when the trial starts (its cell's best so far).
  ///   - onEvaluation: records the evaluation and answers with a directive.
  ///   - onCheckpoint: stores the checkpoint.
  public init(
    spec: TrialSpec, checkpointEverySteps: Int, stopAtStep: Int? = nil,
    onEvaluation: @escaping @Sendable (Evaluation) -> TrialDirective = { _ in .proceed },
    onCheckpoint: @escaping @Sendable (TrialCheckpoint) -> Void = { _ in }
  ) {
    self.spec = spec
    self.checkpointEverySteps = max(1, checkpointEverySteps)
    self.stopAtStep = stopAtStep
    self.onEvaluation = onEvaluation
    self.onCheckpoint = onCheckpoint
  }

  /// What the trial should do now: the strongest of interrupt, stop-at-step and proceed.
  public var directive: TrialDirective {
    lock.withLock { currentDirective() }
  }

  /// Hands over one evaluation; returns what to do next. Call it for every evaluation, in order.
  public func evaluated(_ evaluation: Evaluation) -> TrialDirective {
    let metric = evaluation.metric(spec.goal)
    lock.withLock {
      lastStep = max(lastStep, evaluation.step)
      // A point cut short is only a lower bound: it says nothing about the best value.
      if metric.isFinite, evaluation.isComplete { bestMetric = min(bestMetric ?? metric, metric) }
      if firstGoalStep == nil, evaluation.meets(spec.goal) {
        firstGoalStep = evaluation.step
        tightenLocked(evaluation.step)
      }
    }
    let answer = onEvaluation(evaluation)
    return lock.withLock {
      switch answer {
      case .interrupt: interruptRequested = true
      case .stop(let step): tightenLocked(step)
      case .proceed: break
      }
      return currentDirective()
    }
  }

  /// Hands over a checkpoint to store as the trial's latest.
  public func saveCheckpoint(step: Int, bytes: [UInt8]) {
    lock.withLock { lastStep = max(lastStep, step) }
    onCheckpoint(TrialCheckpoint(step: step, bytes: bytes))
  }

  /// Asks the trial to checkpoint and stop (a signal, or a fatal store error).
  public func requestInterrupt() {
    lock.withLock { interruptRequested = true }
  }

  /// Lowers the step the trial may run to (its cell found a better result).
  public func stop(atStep step: Int) {
    lock.withLock { tightenLocked(step) }
  }

  /// What the evaluations showed, for the scheduler to check the outcome against.
  var observed: (lastStep: Int, firstGoalStep: Int?, bestMetric: Double?) {
    lock.withLock { (lastStep, firstGoalStep, bestMetric) }
  }

  private func tightenLocked(_ step: Int) {
    stopAtStep = min(stopAtStep ?? step, step)
  }

  private func currentDirective() -> TrialDirective {
    if interruptRequested { return .interrupt }
    if let step = stopAtStep { return .stop(atStep: step) }
    return .proceed
  }
}
