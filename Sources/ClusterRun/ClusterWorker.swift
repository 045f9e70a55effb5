import Collectives
import Foundation
import Planning
import Scheduling
import Training

/// A training rank's side of a cluster run (every rank but 0). The group's leader (its first
/// rank) takes trials from rank 0 and passes each on to its members; the whole group trains it
/// data-parallel over `communicator`; the leader reports evaluations, checkpoints and the end to
/// rank 0, and obeys its directives. Returns when rank 0 says the run is over.
public struct ClusterWorker {
  /// Every rank (rank 0 coordinates).
  public var world: any RankLink
  /// This rank's group; its rank 0 is the leader.
  public var group: any RankLink
  /// The group's collectives, for the trainer's all-reduce.
  public var communicator: any Communicator
  public var timing: ClusterTiming
  /// False once the process this rank waits on is known dead (checked while waiting).
  public var peerAlive: @Sendable () -> Bool
  /// Trains one trial on this rank; `monitor` is nil on members.
  public var train: @Sendable (ClusterMessage.TrialStart, any Communicator, TrialMonitor?) ->
    TrialOutcome

  public init(
    world: any RankLink, group: any RankLink, communicator: any Communicator,
    timing: ClusterTiming, peerAlive: @escaping @Sendable () -> Bool = { true },
    train: @escaping @Sendable (ClusterMessage.TrialStart, any Communicator, TrialMonitor?) ->
      TrialOutcome
  ) {
    self.world = world
    self.group = group
    self.communicator = communicator
    self.timing = timing
    self.peerAlive = peerAlive
    self.train = train
  }

  public var isLeader: Bool { group.rank == 0 }

  public func run() throws {
    if isLeader { try lead() } else { try follow() }
  }

  /// The trainer of a real run: one rank of `TrialRunner.runRank` with `threads` kernel threads.
  public static func trainer(threads: Int) -> @Sendable (
    ClusterMessage.TrialStart, any Communicator, TrialMonitor?
  ) -> TrialOutcome {
    { start, communicator, monitor in
      var configuration = TrainerConfiguration(
        workers: 1, threadsPerWorker: threads, checkpointEverySteps: start.checkpointEverySteps)
      configuration.probes = start.probes
      let runner = TrialRunner(configuration: configuration)
      let report = runner.runRank(
        start.spec, mask: start.mask, resumingFrom: start.checkpoint?.bytes,
        communicator: communicator, monitor: monitor)
      return ScheduledTrialRunner.outcome(report.end)
    }
  }

  // MARK: Leader

  private func lead() throws {
    defer { passOn(.shutdown(reason: nil)) }
    while true {
      let message = try nextFromRankZero(world)
      switch message {
      case .shutdown:
        return
      case .start(let start):
        passOn(message)
        // Received: the silence that rank 0 times out starts now, before the data is loaded.
        try world.send(.heartbeat(trial: start.trial), to: 0, within: timing.timeoutSeconds)
        let channel = LeaderChannel(world: world, trial: start.trial, timing: timing)
        let outcome = train(start, communicator, channel.monitor(for: start))
        try world.send(.end(trial: start.trial, outcome), to: 0, within: timing.timeoutSeconds)
      case .heartbeat:
        passOn(message)
      default:
        break  // a directive for a trial that has ended
      }
    }
  }

  /// Sends `message` to every member (best effort: a member that died is rank 0's to notice).
  private func passOn(_ message: ClusterMessage) {
    for member in 1..<group.size {
      _ = try? group.send(message, to: member, within: timing.timeoutSeconds)
    }
  }

  // MARK: Member

  private func follow() throws {
    while true {
      switch try nextFromRankZero(group) {
      case .shutdown: return
      case .start(let start): _ = train(start, communicator, nil)
      default: break
      }
    }
  }

  /// The next message from rank 0 of `link`; rank 0 silent for the timeout, or its process gone,
  /// is an error.
  private func nextFromRankZero(_ link: any RankLink) throws -> ClusterMessage {
    guard
      let (_, message) = try link.wait(
        from: 0, seconds: timing.timeoutSeconds, giveUp: { !peerAlive() })
    else { throw ClusterError.coordinatorLost(seconds: timing.timeoutSeconds) }
    return message
  }
}

/// The leader's line to rank 0 during one trial, used only on the training thread: a local
/// `TrialSession` whose evaluations and checkpoints go to rank 0, and whose directive follows
/// rank 0's answers and pushes. Polled before every step, it also sends the heartbeat; each
/// probe measurement goes to rank 0 as it is taken (before the step's evaluation and checkpoint,
/// so a kill loses at most the probe under way).
final class LeaderChannel: @unchecked Sendable {
  let world: any RankLink
  let trial: UInt64
  let timing: ClusterTiming
  private var lastSent = Date()
  private var lostCoordinator = false

  init(world: any RankLink, trial: UInt64, timing: ClusterTiming) {
    self.world = world
    self.trial = trial
    self.timing = timing
  }

  func monitor(for start: ClusterMessage.TrialStart) -> TrialMonitor {
    var bound: Int?
    if case .stop(let step) = start.directive { bound = step }
    let session = TrialSession(
      spec: start.spec, checkpointEverySteps: start.checkpointEverySteps, stopAtStep: bound,
      onEvaluation: { [self] evaluation in ask(evaluation) },
      onCheckpoint: { [self] checkpoint in
        report(.checkpoint(trial: trial, checkpoint))
      })
    if start.directive == .interrupt { session.requestInterrupt() }
    return ScheduledTrialRunner.monitor(
      for: session,
      poll: { [self] in
        pump(session)
        return ScheduledTrialRunner.control(session.directive)
      },
      probed: { [self] measurement in report(.probe(trial: trial, measurement)) })
  }

  /// Sends an evaluation and waits for rank 0's answer, applying any push that comes first.
  private func ask(_ evaluation: Evaluation) -> TrialDirective {
    guard report(.evaluation(trial: trial, evaluation)) else { return .interrupt }
    do {
      while true {
        guard let (_, message) = try world.wait(from: 0, seconds: timing.timeoutSeconds) else {
          lostCoordinator = true
          return .interrupt
        }
        if case .directive(let id, let step, let directive) = message, id == trial {
          if step == evaluation.step { return directive }
          if step == nil, directive == .interrupt { return .interrupt }
        }
      }
    } catch {
      return .interrupt
    }
  }

  /// Heartbeat when due, then any pushed directive.
  private func pump(_ session: TrialSession) {
    if Date().timeIntervalSince(lastSent) >= timing.heartbeatSeconds {
      report(.heartbeat(trial: trial))
    }
    while let (_, message) = try? world.receive(from: 0) {
      guard case .directive(let id, nil, let directive) = message, id == trial else { continue }
      switch directive {
      case .interrupt: session.requestInterrupt()
      case .stop(let step): session.stop(atStep: step)
      case .proceed: break
      }
    }
    if lostCoordinator { session.requestInterrupt() }
  }

  @discardableResult
  private func report(_ message: ClusterMessage) -> Bool {
    lastSent = Date()
    let delivered = (try? world.send(message, to: 0, within: timing.timeoutSeconds)) ?? false
    if !delivered { lostCoordinator = true }
    return delivered
  }
}
