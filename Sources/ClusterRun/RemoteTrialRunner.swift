import Foundation
import Planning
import Scheduling
import Training

/// The trainer as rank 0's scheduler sees it under MPI: `run` lends the trial to an idle group
/// and relays between the group's leader and the trial's session until the trial ends, so the
/// scheduler (exact early stop, leases, retries, interrupts) works exactly as in one process.
///
/// A group that dies mid-trial (a process gone on this machine, or silence for
/// `timing.timeoutSeconds`) is marked lost and its trial ends `.interrupted`, which the
/// scheduler retries on another group from the trial's last checkpoint.
public struct RemoteTrialRunner: TrialRunning {
  let coordinator: ClusterCoordinator
  let masks: @Sendable (TrialKey) -> [Float]?
  /// The probes a trial runs (sent with it; every rank of the group takes part) and where the
  /// leader's measurements go, as `ScheduledTrialRunner`'s.
  public var probes: @Sendable (TrialSpec) -> ProbeSchedule = { _ in .none }
  public var probed: @Sendable (TrialKey, ProbeMeasurement) -> Void = { _, _ in }

  public func run(
    _ spec: TrialSpec, resumingFrom checkpoint: TrialCheckpoint?, session: TrialSession
  ) -> TrialOutcome {
    TrialMask.withMask(spec, in: masks) { mask in
      guard let group = coordinator.pool.checkOut() else {
        coordinator.log("no training group is left; \(spec.key.short) is not started")
        return .interrupted
      }
      do {
        let outcome = try relay(spec, checkpoint, mask, session, group)
        if let outcome {
          coordinator.pool.checkIn(group)
          return outcome
        }
      } catch {
        coordinator.log("\(coordinator.describe(group)): \(error)")
      }
      coordinator.pool.markLost(group)
      return .interrupted
    }
  }

  /// Seconds an interrupted group has to checkpoint and answer.
  static let interruptGrace = 0.5

  /// Runs the trial on `group`; nil when the group was lost.
  private func relay(
    _ spec: TrialSpec, _ checkpoint: TrialCheckpoint?, _ mask: [Float]?, _ session: TrialSession,
    _ group: TrainingGroup
  ) throws -> TrialOutcome? {
    let link = coordinator.link
    let timing = coordinator.timing
    let trial = coordinator.newTrialNumber()
    var sent = session.directive
    let start = ClusterMessage.start(
      .init(
        trial: trial, spec: spec, checkpointEverySteps: session.checkpointEverySteps,
        directive: sent, checkpoint: checkpoint, mask: mask, probes: probes(spec)))
    let clock = ContinuousClock()
    let sendStarted = clock.now
    let bytes = try start.encoded()
    guard try link.send(start, to: group.leader, within: timing.timeoutSeconds) else {
      coordinator.log(
        "\(coordinator.describe(group)): did not take trial \(spec.key.short) within "
          + "\(Int(timing.timeoutSeconds)) s; the group is lost, the trial goes to another")
      return nil
    }
    coordinator.account(
      messages: 1, bytes: bytes.count, seconds: sendStarted.duration(to: clock.now).seconds,
      trials: 1)
    coordinator.log("\(coordinator.describe(group)): trial \(spec.key.short)")

    var lastHeard = Date()
    var lastProcessCheck = Date()
    var interruptedAt: Date?
    var pause: UInt32 = 50
    var storeSeconds = 0.0
    while true {
      if let (_, bytes) = try link.poll(from: group.leader) {
        let handled = clock.now
        lastHeard = Date()
        pause = 50
        let message = try ClusterMessage(decoding: bytes)
        var answers = 0
        switch message {
        case .evaluation(let id, let evaluation) where id == trial:
          let stored = clock.now
          let directive = session.evaluated(evaluation)
          storeSeconds += stored.duration(to: clock.now).seconds
          try link.send(
            .directive(trial: trial, answersStep: evaluation.step, directive), to: group.leader,
            within: timing.timeoutSeconds)
          sent = directive
          answers = 1
        case .checkpoint(let id, let saved) where id == trial:
          let stored = clock.now
          session.saveCheckpoint(step: saved.step, bytes: saved.bytes)
          storeSeconds += stored.duration(to: clock.now).seconds
        case .probe(let id, let measurement) where id == trial:
          let stored = clock.now
          probed(spec.key, measurement)
          storeSeconds += stored.duration(to: clock.now).seconds
        case .end(let id, let outcome) where id == trial:
          coordinator.account(
            messages: 1, bytes: bytes.count, seconds: handled.duration(to: clock.now).seconds)
          return outcome
        default:
          break  // heartbeats, and late messages of an earlier attempt
        }
        coordinator.account(
          messages: 1 + answers, bytes: bytes.count,
          seconds: handled.duration(to: clock.now).seconds, storeSeconds: storeSeconds)
        storeSeconds = 0
        continue
      }
      // A tighter bound found by another trial of the cell, or an interrupt: push it.
      let now = session.directive
      if now != sent {
        try link.send(
          .directive(trial: trial, answersStep: nil, now), to: group.leader,
          within: timing.timeoutSeconds)
        coordinator.account(messages: 1, bytes: 0, seconds: 0)
        sent = now
      }
      // An interrupt under mpirun is a SIGTERM to every rank, and SIGKILL follows a second
      // later: record the trial interrupted (releasing its lease) before then, from its last
      // periodic checkpoint, rather than wait for a group that is being killed too.
      if now == .interrupt {
        interruptedAt = interruptedAt ?? Date()
        if let interruptedAt, Date().timeIntervalSince(interruptedAt) > Self.interruptGrace {
          coordinator.log(
            "\(coordinator.describe(group)): no answer to the interrupt within "
              + "\(Self.interruptGrace) s; trial \(spec.key.short) resumes from its last "
              + "checkpoint next time")
          return nil
        }
      }
      let silent = Date().timeIntervalSince(lastHeard)
      if Date().timeIntervalSince(lastProcessCheck) > 0.2 {
        lastProcessCheck = Date()
        if coordinator.hasDeadProcess(group) {
          coordinator.log(
            "\(coordinator.describe(group)): a process died during trial \(spec.key.short); "
              + "the group is lost, the trial is retried from its last checkpoint")
          return nil
        }
      }
      if silent > timing.timeoutSeconds {
        coordinator.log(
          "\(coordinator.describe(group)): silent for \(Int(silent)) s during trial "
            + "\(spec.key.short); the group is lost, the trial is retried from its last checkpoint")
        return nil
      }
      usleep(pause)
      pause = min(pause * 2, 1000)
    }
  }
}

extension Duration {
  var seconds: Double {
    let c = components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
  }
}
