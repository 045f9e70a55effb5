import Collectives

/// Why the ranks of a cluster run could not work together, in words for the user.
public enum ClusterError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A message that does not decode: a bug, or ranks running different builds.
  case malformed(String)
  /// A rank speaks another protocol version or runs another Stepwise version.
  case versionMismatch(rank: Int, theirs: String, ours: String)
  /// The rank count does not split into groups of `--workers` ranks after rank 0.
  case badGroupSize(ranks: Int, workers: Int)
  /// A rank did not report in time at start-up.
  case rankSilent(rank: Int, seconds: Double)
  /// Rank 0 stopped the run before it started (its message says why).
  case coordinatorStopped(String)
  /// Rank 0 (or a group's leader) stopped answering.
  case coordinatorLost(seconds: Double)
  /// MPI itself failed.
  case transport(CollectiveError)

  public var description: String {
    switch self {
    case .malformed(let detail):
      return "a cluster message is malformed (\(detail)); every rank must run the same stepwise "
        + "build"
    case .versionMismatch(let rank, let theirs, let ours):
      return "rank \(rank) runs \(theirs) but rank 0 runs \(ours); install the same stepwise "
        + "build on every machine"
    case .badGroupSize(let ranks, let workers):
      return "\(ranks) ranks cannot form groups of --workers \(workers): rank 0 coordinates and "
        + "the other \(ranks - 1) must be a multiple of \(workers); start "
        + "`mpirun -np \(1 + max(1, workers) * max(1, (ranks - 1) / max(1, workers)))` or change "
        + "--workers"
    case .rankSilent(let rank, let seconds):
      return "rank \(rank) did not report within \(Int(seconds)) s of start-up; check that "
        + "stepwise and the data exist on its machine"
    case .coordinatorStopped(let reason):
      return reason
    case .coordinatorLost(let seconds):
      return "the coordinating rank sent nothing for \(Int(seconds)) s; it has died or hangs, "
        + "so this rank stops (rerun `stepwise run` to resume)"
    case .transport(let error):
      return "MPI: \(error)"
    }
  }
}
