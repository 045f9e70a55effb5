import Foundation
import Planning
import Scheduling

/// Rank 0's side of a cluster run: it alone opens the store; it greets the other ranks, tells
/// them their groups, and lends groups to the scheduler's threads (`RemoteTrialRunner`), one
/// trial at a time. It notices a group whose rank died (its pid gone, on rank 0's machine) or
/// fell silent (no message for `timing.timeoutSeconds`, anywhere) and never uses it again.
public final class ClusterCoordinator: @unchecked Sendable {
  public let link: any RankLink
  public let groups: [TrainingGroup]
  public let timing: ClusterTiming
  let log: @Sendable (String) -> Void
  let pool: GroupPool
  private let host: String

  private let lock = NSLock()
  private var hellos: [Int: ClusterMessage.Hello] = [:]
  private var nextTrial: UInt64 = 0
  private var statistics = ServingStatistics()
  private var keepaliveStopped = false
  private let keepaliveCondition = NSCondition()
  private var keepalive: Thread?

  public init(
    link: any RankLink, workersPerGroup: Int, timing: ClusterTiming,
    host: String = ProcessInfo.processInfo.hostName, log: @escaping @Sendable (String) -> Void
  ) throws(ClusterError) {
    self.link = link
    self.groups = try TrainingGroup.groups(worldSize: link.size, workers: workersPerGroup)
    self.timing = timing
    self.host = host
    self.log = log
    self.pool = GroupPool(groups)
  }

  // MARK: Start-up

  /// Waits for every other rank's `hello` and checks that it runs this `version`.
  public func gatherHellos(version: String, within seconds: Double) throws {
    let deadline = Date(timeIntervalSinceNow: seconds)
    var missing = Set(1..<link.size)
    while let rank = missing.min() {
      let left = deadline.timeIntervalSinceNow
      guard left > 0, let (source, message) = try link.wait(from: nil, seconds: left) else {
        throw ClusterError.rankSilent(rank: rank, seconds: seconds)
      }
      guard case .hello(let hello) = message else { continue }
      guard hello.stepwiseVersion == version else {
        throw ClusterError.versionMismatch(
          rank: source, theirs: hello.stepwiseVersion, ours: version)
      }
      lock.withLock { hellos[source] = hello }
      missing.remove(source)
    }
  }

  /// Tells every rank its group size and the timing, then starts pinging idle leaders.
  public func sendSetup(pid: Int32 = ProcessInfo.processInfo.processIdentifier) throws {
    let setup = ClusterMessage.setup(
      .init(
        workersPerGroup: groups[0].ranks.count, coordinatorHost: host, coordinatorPid: pid,
        timing: timing))
    for rank in 1..<link.size { try link.send(setup, to: rank, within: timing.timeoutSeconds) }
    let thread = Thread { [self] in keepaliveLoop() }
    keepalive = thread
    thread.start()
  }

  /// Tells every other rank that the run will not happen (best effort: they exit quietly).
  public func refuse(_ reason: String) {
    for rank in 1..<link.size {
      _ = try? link.send(.shutdown(reason: reason), to: rank, within: 5)
    }
  }

  // MARK: The run

  /// The scheduler's trainer: each trial goes to an idle group.
  public func runner(masks: @escaping @Sendable (TrialKey) -> [Float]?) -> RemoteTrialRunner {
    RemoteTrialRunner(coordinator: self, masks: masks)
  }

  /// Ends the run: stops the pings and tells every live group to exit. Returns the groups that
  /// were lost; when there are any, the caller must end the job with `MPI_Abort` (a rank stuck
  /// in a collective with a dead one never reaches `MPI_Finalize`).
  public func finish() -> [TrainingGroup] {
    keepaliveCondition.withLock {
      keepaliveStopped = true
      keepaliveCondition.broadcast()
    }
    while keepalive?.isFinished == false { usleep(1000) }
    for group in pool.idleGroups {
      _ = try? link.send(.shutdown(reason: nil), to: group.leader, within: timing.timeoutSeconds)
    }
    return pool.lostGroups
  }

  /// The groups lost so far to a dead or silent rank.
  public var lostGroups: [TrainingGroup] { pool.lostGroups }

  /// What serving the groups cost rank 0 so far.
  public var serving: ServingStatistics { lock.withLock { statistics } }

  // MARK: For the runner

  func newTrialNumber() -> UInt64 {
    lock.withLock {
      nextTrial += 1
      return nextTrial
    }
  }

  func account(
    messages: Int, bytes: Int, seconds: Double, storeSeconds: Double = 0, trials: Int = 0
  ) {
    lock.withLock {
      statistics.storeSeconds += storeSeconds
      statistics.messages += messages
      statistics.bytes += bytes
      statistics.seconds += seconds
      statistics.trials += trials
    }
  }

  /// Kills (SIGKILL) every process of `groups` that runs on this machine, and says whether
  /// that was all of them. A lost group's ranks are dead, stopped or stuck in a collective with
  /// a dead rank; once they are gone, `MPI_Finalize` completes on the others.
  public func killLocalRanks(of groups: [TrainingGroup]) -> Bool {
    let ranks = groups.flatMap(\.ranks)
    let known = lock.withLock { ranks.compactMap { hellos[$0] } }
    for hello in known where hello.host == host { kill(hello.pid, SIGKILL) }
    return known.count == ranks.count && known.allSatisfy { $0.host == host }
  }

  /// Whether a rank of `group` runs on this machine and its process is gone.
  func hasDeadProcess(_ group: TrainingGroup) -> Bool {
    let known = lock.withLock { group.ranks.compactMap { hellos[$0] } }
    return known.contains { hello in
      hello.host == host && kill(hello.pid, 0) != 0 && errno == ESRCH
    }
  }

  func describe(_ group: TrainingGroup) -> String {
    let ranks = group.ranks.map(String.init).joined(separator: ",")
    return group.ranks.count == 1 ? "rank \(ranks)" : "ranks \(ranks)"
  }

  /// Pings idle leaders (they pass it on to their members), and drops idle groups whose process
  /// died here.
  private func keepaliveLoop() {
    while true {
      let stopped = keepaliveCondition.withLock { () -> Bool in
        if !keepaliveStopped {
          _ = keepaliveCondition.wait(until: Date(timeIntervalSinceNow: timing.heartbeatSeconds))
        }
        return keepaliveStopped
      }
      if stopped { return }
      for group in pool.removeIdle(where: hasDeadProcess) {
        log("\(describe(group)): process gone while idle; the group is not used again")
      }
      for group in pool.idleGroups {
        _ = try? link.send(.heartbeat(trial: nil), to: group.leader, within: 1)
      }
    }
  }
}

/// Rank 0's messaging work, for `stepwise run`'s summary and docs/performance.md.
public struct ServingStatistics: Hashable, Sendable {
  /// Trials handed out (attempts).
  public var trials = 0
  /// Messages received and sent.
  public var messages = 0
  public var bytes = 0
  /// Seconds from a message's arrival to its answer, store calls included, plus sending starts.
  public var seconds = 0.0
  /// The part of `seconds` spent in the session (the store's writes of evaluations and
  /// checkpoints); the rest is messaging.
  public var storeSeconds = 0.0

  public init() {}
}
