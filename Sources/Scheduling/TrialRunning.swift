import Planning

/// Trains one trial. The trainer (module `Training`) implements it; tests use synthetic curves.
///
/// The contract, which exact early stop and resume rely on:
/// - Evaluate at every step of `spec.evaluationCadence` (and at the budget), and hand each
///   evaluation, with its counts, to `session.evaluated(_:)` before going on; obey the directive
///   it returns. An evaluation may stop early (`spec.exitEarly`) only once its wrong answers
///   prove the goal missed at that step; it is then handed over as the bound it is.
/// - Between evaluations, poll `session.directive` cheaply (an atomic read) often enough that an
///   interrupt is answered within seconds; on `.interrupt`, save a checkpoint and return
///   `.interrupted`.
/// - Save a checkpoint through `session.saveCheckpoint` every `session.checkpointEverySteps`.
/// - Resuming from `checkpoint` continues the same trajectory: same data order, same curve.
/// - Report errors in the spec or the data as `.failed(message:)`; never throw or trap for them.
public protocol TrialRunning: Sendable {
  func run(_ spec: TrialSpec, resumingFrom checkpoint: TrialCheckpoint?, session: TrialSession)
    -> TrialOutcome
}
