import Planning

/// Trains one trial. The trainer (module `Training`) implements it; tests use synthetic curves.
///
/// The contract, which exact early stop and resume rely on:
/// - Evaluate at every multiple of `spec.evaluationEverySteps` (and at the budget), and hand each
///   evaluation to `session.evaluated(_:)` before going on; obey the directive it returns.
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
