import Collectives
import CollectivesMPI
import Foundation

/// Starting a cluster run under `mpirun` (or Slurm's `srun`): MPI, the cores each rank may use,
/// the greeting, and the data-parallel groups. Rank 0 continues with a `ClusterCoordinator`
/// (`coordinate`), every other rank with `work`.
public struct ClusterLaunch {
  public let world: MPICommunicator
  /// One lock for every MPI call of this process (MPI is initialised serialized).
  public let lock = NSLock()
  public let worldLink: MPIRankLink
  /// Kernel threads for a training rank: this machine's cores over the training ranks on it
  /// (rank 0 only coordinates, so it does not count; it uses every core for the masks, while
  /// the other ranks wait).
  public let threadsPerRank: Int

  public var rank: Int { world.rank }
  public var size: Int { world.size }

  /// Starts MPI (every rank calls this first; it includes one collective on each machine).
  public static func start(
    cores: Int = ProcessInfo.processInfo.activeProcessorCount
  ) throws -> ClusterLaunch {
    let world = try MPIRuntime.world()
    let machine = try world.splitByMachine()
    var flag = [world.rank == 0 ? 1.0 : 0.0]
    try machine.allReduceSum(&flag)
    let trainersHere = machine.size - Int(flag[0])
    return ClusterLaunch(
      world: world, threadsPerRank: max(1, cores / max(1, trainersHere)))
  }

  private init(world: MPICommunicator, threadsPerRank: Int) {
    self.world = world
    self.worldLink = MPIRankLink(world, lock: lock)
    self.threadsPerRank = threadsPerRank
  }

  /// Rank 0, once the plan is loaded: greets every rank, tells them their groups, and forms the
  /// groups (rank 0 is a group of its own, unused).
  public func coordinate(
    workersPerGroup: Int, version: String, timing: ClusterTiming,
    log: @escaping @Sendable (String) -> Void
  ) throws -> ClusterCoordinator {
    let coordinator = try ClusterCoordinator(
      link: worldLink, workersPerGroup: workersPerGroup, timing: timing, log: log)
    try coordinator.gatherHellos(version: version, within: max(60, timing.timeoutSeconds))
    try coordinator.sendSetup()
    _ = try world.split(color: 0, key: 0)
    return coordinator
  }

  /// Every rank but 0: introduces itself, waits for the setup, joins its group and trains what
  /// rank 0 hands out until it says the run is over. Throws `coordinatorStopped` when rank 0
  /// refused to start (its own output says why).
  public func work(version: String) throws {
    let hello = ClusterMessage.hello(
      .init(
        rank: rank, host: ProcessInfo.processInfo.hostName,
        pid: ProcessInfo.processInfo.processIdentifier, stepwiseVersion: version))
    try worldLink.send(hello, to: 0)
    // Rank 0 compiles the plan before it answers; a large study can take minutes.
    guard let (_, answer) = try worldLink.wait(from: 0, seconds: 3600) else {
      throw ClusterError.coordinatorLost(seconds: 3600)
    }
    let setup: ClusterMessage.Setup
    switch answer {
    case .setup(let s): setup = s
    case .shutdown(let reason): throw ClusterError.coordinatorStopped(reason ?? "rank 0 stopped")
    default: throw ClusterError.malformed("expected the setup from rank 0, got \(answer)")
    }
    let groupIndex = TrainingGroup.group(of: rank, workers: setup.workersPerGroup) ?? 0
    let group = try world.split(color: 1 + groupIndex, key: rank)
    let groupLink = MPIRankLink(group, lock: lock)
    let host = ProcessInfo.processInfo.hostName
    let peerPid = setup.coordinatorPid
    let localCoordinator = setup.coordinatorHost == host
    let worker = ClusterWorker(
      world: worldLink, group: groupLink, communicator: group, timing: setup.timing,
      peerAlive: { !localCoordinator || kill(peerPid, 0) == 0 || errno != ESRCH },
      train: ClusterWorker.trainer(threads: threadsPerRank))
    try worker.run()
  }
}

extension ClusterLaunch {
  /// Rank 0, when the run cannot start: tells every other rank to exit quietly.
  public func worldLinkRefuse(_ reason: String) {
    for rank in 1..<max(1, size) {
      _ = try? worldLink.send(.shutdown(reason: reason), to: rank, within: 5)
    }
  }
}
