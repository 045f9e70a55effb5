import Foundation

/// What `stepwise run` does when `mpirun` started it (Open MPI sets `OMPI_COMM_WORLD_*` in every
/// rank): each rank is an ordinary run on the shared store, and the store's leases hand each
/// trial to exactly one rank (see docs/cluster.md). The ranks that share a machine share its
/// cores, so each takes `cores / local ranks` of them and the machine is never oversubscribed.
enum MPILaunch {
  /// This rank's index in the job, or nil outside `mpirun`.
  static func rank(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
    environment["OMPI_COMM_WORLD_RANK"].flatMap(Int.init)
  }

  /// The cores this process may use: all of them, or its share when several ranks run here.
  static func coresPerRank(
    cores: Int = ProcessInfo.processInfo.activeProcessorCount,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Int {
    let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
    return max(1, cores / max(1, local))
  }
}
