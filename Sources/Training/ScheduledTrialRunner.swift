import Foundation
import Planning
import Scheduling

/// The trainer as the scheduler sees it: `TrialRunner` behind the `TrialRunning` contract.
///
/// The scheduler speaks in `TrialSession`s and `TrialOutcome`s, the trainer in `TrialMonitor`s
/// and `TrialEnd`s; this type translates one to the other and nothing more, so that neither
/// module has to know the other's vocabulary. The mask of a sparse trial comes from `masks`
/// (computed once per pruning node before the run; see `MaskBuilder`).
public struct ScheduledTrialRunner: TrialRunning {
  public var trainer: TrialRunner
  /// The mask of a pruning node (by its key), or nil when the node has none stored.
  public var masks: @Sendable (TrialKey) -> [Float]?
  /// The probes a trial runs (none unless the workload asks) and where their measurements go.
  public var probes: @Sendable (TrialSpec) -> ProbeSchedule = { _ in .none }
  public var probed: @Sendable (TrialKey, ProbeMeasurement) -> Void = { _, _ in }
  /// Told every trial's report (the run's log shows the kernel paths and all-reduce bytes).
  public var reported: @Sendable (TrialSpec, TrialReport) -> Void = { _, _ in }

  public init(trainer: TrialRunner, masks: @escaping @Sendable (TrialKey) -> [Float]?) {
    self.trainer = trainer
    self.masks = masks
  }

  public func run(
    _ spec: TrialSpec, resumingFrom checkpoint: TrialCheckpoint?, session: TrialSession
  ) -> TrialOutcome {
    TrialMask.withMask(spec, in: masks) { mask in
      var runner = trainer
      runner.configuration.checkpointEverySteps = session.checkpointEverySteps
      runner.configuration.probes = probes(spec)
      var monitor = Self.monitor(for: session)
      let probed = probed
      monitor.probed = { probed(spec.key, $0) }
      let report = runner.run(
        spec, mask: mask, resumingFrom: checkpoint?.bytes, monitor: monitor)
      reported(spec, report)
      return Self.outcome(report.end)
    }
  }

  /// The trainer's monitor that forwards to `session`; `poll` replaces the plain reading of the
  /// session's directive (a cluster worker first pumps its messages).
  public static func monitor(
    for session: TrialSession, poll: (@Sendable () -> TrialControl)? = nil,
    probed: @escaping @Sendable (ProbeMeasurement) -> Void = { _ in }
  ) -> TrialMonitor {
    TrialMonitor(
      evaluated: { event in
        control(
          session.evaluated(
            Evaluation(
              step: event.step, validationError: event.validationError,
              validationLoss: event.validationLoss, trainingLoss: event.trainingLoss,
              counts: event.counts)))
      },
      checkpoint: { step, bytes in session.saveCheckpoint(step: step, bytes: bytes) },
      poll: poll ?? { control(session.directive) }, probed: probed)
  }

  /// A scheduler directive in the trainer's words.
  public static func control(_ directive: TrialDirective) -> TrialControl {
    switch directive {
    case .proceed: return .proceed
    case .stop(let step): return .stop(atStep: step)
    case .interrupt: return .interrupt
    }
  }

  /// How the trainer's end reads to the scheduler. A give-up rule and a spent budget are both
  /// `notReached` (the state says the goal was not met within what the trial was allowed).
  public static func outcome(_ end: TrialEnd) -> TrialOutcome {
    switch end {
    case .reached(let step): return .reached(step: step)
    case .budgetSpent, .gaveUp: return .notReached
    case .dominated(let step): return .dominated(step: step)
    case .diverged: return .diverged
    case .interrupted: return .interrupted
    case .failed(let message): return .failed(message: message)
    }
  }
}
