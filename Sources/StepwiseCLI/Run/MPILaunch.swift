import ClusterRun
import CollectivesMPI
import Foundation

/// What `stepwise run` does when `mpirun` (or `srun`) started it (docs/cluster.md): rank 0 alone
/// opens the store and runs the scheduler; every other rank trains, in data-parallel groups of
/// `--workers` ranks, the trials rank 0 hands out. With one rank, it is an ordinary run.
enum MPILaunch {
  /// Whether this process is a rank of an MPI job.
  static var isActive: Bool { MPIRuntime.isLaunchedByMPI }

  /// The cores a one-process run may use: all of them, or its share when several ranks run here
  /// (only under `mpirun -np 1`, the one case that runs as one process under MPI).
  static func coresPerRank(
    cores: Int = ProcessInfo.processInfo.activeProcessorCount,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Int {
    let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
    return max(1, cores / max(1, local))
  }

  /// Rank 0's part, handed to `Run.execute`: it starts the other ranks once the plan is loaded.
  final class Rank0 {
    let launch: ClusterLaunch
    private(set) var coordinator: ClusterCoordinator?

    init(_ launch: ClusterLaunch) { self.launch = launch }

    /// Greets the ranks, forms groups of `workers` and returns the run's parallelism: one trial
    /// per group at a time.
    func start(jobs: Int?, workers: Int?, progress: RunProgress) throws -> Parallelism {
      if let jobs {
        throw ParallelismError(
          "--jobs \(jobs) does not apply under mpirun: each group of --workers ranks trains one "
            + "trial at a time, so start more ranks (-np) to train more trials at once")
      }
      let w = workers ?? 1
      if w < 1 { throw ParallelismError("--workers must be at least 1") }
      let coordinator = try launch.coordinate(
        workersPerGroup: w, version: Stepwise.configuration.version,
        timing: .fromEnvironment(), log: { progress.note($0) })
      self.coordinator = coordinator
      progress.note(
        "mpirun: rank 0 coordinates, \(coordinator.groups.count) group"
          + "\(coordinator.groups.count == 1 ? "" : "s") of \(w) rank\(w == 1 ? "" : "s") train, "
          + "\(launch.threadsPerRank) thread\(launch.threadsPerRank == 1 ? "" : "s") each")
      return Parallelism(
        jobs: coordinator.groups.count, workers: w, threadsPerWorker: launch.threadsPerRank)
    }
  }

  /// Runs this rank's part and returns its exit code. A job that lost a rank ends with
  /// `MPI_Abort` (with the run's exit code), since ranks stuck with the dead one cannot finalize.
  static func execute(
    _ command: Stepwise.Run, progress: RunProgress, print: (String) -> Void
  ) -> Int32 {
    let launch: ClusterLaunch
    do {
      launch = try ClusterLaunch.start()
    } catch {
      FileHandle.standardError.write(
        Data(
          ("error: this process looks like an MPI rank (OMPI_COMM_WORLD_SIZE or PMIX_RANK is "
            + "set) but MPI did not start: \(error); run it under mpirun or srun, or unset those "
            + "variables for a one-process run\n").utf8))
      return 1
    }
    if launch.size == 1 {
      MPIRuntime.finalize()
      return command.execute(progress: progress, print: print, cluster: nil)
    }
    guard launch.rank == 0 else {
      do {
        try launch.work(version: Stepwise.configuration.version)
      } catch ClusterError.coordinatorStopped {
        // Rank 0 printed why; this rank has nothing to add.
      } catch {
        FileHandle.standardError.write(Data("error: rank \(launch.rank): \(error)\n".utf8))
        // A rank that lost its coordinator may share a communicator with a dead rank, where
        // `MPI_Finalize` would wait for ever.
        exit(1)
      }
      MPIRuntime.finalize()
      return 0
    }
    let rank0 = Rank0(launch)
    let code = command.execute(progress: progress, print: print, cluster: rank0)
    guard let coordinator = rank0.coordinator else {
      launch.worldLinkRefuse("rank 0 stopped before the run started (see its output)")
      MPIRuntime.finalize()
      return code
    }
    let lost = coordinator.finish()
    if lost.isEmpty {
      MPIRuntime.finalize()
      return code
    }
    // Lost ranks on this machine are killed first: Open MPI 4.1's MPI_Abort was seen to spin
    // for ever under --enable-recovery while a lost rank was stopped, and MPI_Finalize to wait
    // for ever on a fence with a dead rank, so the job ends with MPI_Abort once they are gone.
    if coordinator.killLocalRanks(of: lost) {
      FileHandle.standardError.write(
        Data(
          ("mpirun: killed the lost ranks "
            + lost.flatMap(\.ranks).map(String.init).joined(separator: ", ") + "\n").utf8))
    } else {
      // Open MPI 4.1's mpirun does not end once it lost a daemon (a host off the network),
      // even under --enable-recovery, whatever the ranks do (docs/cluster.md).
      FileHandle.standardError.write(
        Data(
          ("mpirun: a lost rank ran on another machine; if that machine is off the network, "
            + "mpirun may not end by itself: every result is stored, so stop it with Ctrl-C "
            + "(twice if once is not enough); nothing is lost\n").utf8))
    }
    FileHandle.standardError.write(
      Data(
        ("mpirun: \(lost.count) group\(lost.count == 1 ? "" : "s") lost (ranks "
          + lost.flatMap(\.ranks).map(String.init).joined(separator: ", ")
          + "); ending the job with MPI_Abort, which stops the ranks stuck with them\n").utf8))
    MPIRuntime.abort(code: code)
  }
}
