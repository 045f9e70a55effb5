/// A data-parallel group: `workers` consecutive ranks after rank 0, led by the first.
public struct TrainingGroup: Hashable, Sendable {
  public var index: Int
  /// World ranks; `ranks[0]` is the leader, which talks to rank 0.
  public var ranks: [Int]

  public var leader: Int { ranks[0] }

  /// Rank 0 coordinates; ranks 1..<worldSize form groups of `workers`, in rank order (Open MPI
  /// places consecutive ranks on the same machine by default, so a group's all-reduce stays on
  /// one machine whenever a machine's slots are a multiple of `workers`).
  public static func groups(worldSize: Int, workers: Int) throws(ClusterError) -> [TrainingGroup] {
    let trainers = worldSize - 1
    guard workers >= 1, trainers >= 1, trainers % workers == 0 else {
      throw .badGroupSize(ranks: worldSize, workers: workers)
    }
    return (0..<(trainers / workers)).map { g in
      TrainingGroup(index: g, ranks: Array((1 + g * workers)..<(1 + (g + 1) * workers)))
    }
  }

  /// The group of world rank `rank` (nil for rank 0).
  public static func group(of rank: Int, workers: Int) -> Int? {
    rank >= 1 && workers >= 1 ? (rank - 1) / workers : nil
  }
}
