/// Picking the examples a scored method reads from the trainer's batches.
enum ExampleSelection {
  /// The first `count` examples, in the batches they came in (the last one cut short).
  static func first(
    _ count: Int, from data: some Sequence<PruningBatch>
  ) throws -> [PruningBatch] {
    var taken: [PruningBatch] = []
    var seen = 0
    for batch in data where seen < count {
      let take = min(batch.count, count - seen)
      taken.append(take == batch.count ? batch : batch.slice(0..<take))
      seen += take
    }
    guard seen == count else {
      throw PruningError.notEnoughData(needed: "\(count) examples", got: seen)
    }
    return taken
  }

  /// The first `perClass` examples of each class in stream order, grouped by class (class 0
  /// first), as GraSP's `GraSP_fetch_data` returns them.
  static func perClass(
    _ perClass: Int, classes: Int, from data: some Sequence<PruningBatch>
  ) throws -> PruningBatch {
    var groups = [[PruningBatch]](repeating: [], count: classes)
    var counts = [Int](repeating: 0, count: classes)
    var full = 0
    for batch in data where full < classes {
      for index in 0..<batch.count {
        let label = batch.labels[index]
        guard label >= 0, label < classes else { throw PruningError.labelOutOfRange(label) }
        guard counts[label] < perClass else { continue }
        groups[label].append(batch.slice(index..<(index + 1)))
        counts[label] += 1
        if counts[label] == perClass { full += 1 }
      }
    }
    guard full == classes, let sample = PruningBatch.concatenate(groups.flatMap { $0 }) else {
      throw PruningError.notEnoughData(
        needed: "\(perClass) examples of each of \(classes) classes", got: counts.reduce(0, +))
    }
    return sample
  }
}
