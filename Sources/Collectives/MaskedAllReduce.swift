/// The all-reduce of a gradient under a pruning mask every rank holds: only the kept entries
/// travel, packed in mask order, so no indices are sent and the bytes per call scale with the
/// density. The sum at each kept entry is the communicator's (rank order), so the result equals
/// the full all-reduce's at kept entries bit for bit; pruned entries are set to zero (the
/// optimizer never reads them).
///
/// Built once per mask (masks never change during a trial). Not thread-safe: one per rank.
public final class MaskedAllReduce {
  /// Flat indices of the kept entries, ascending.
  private let kept: UnsafeMutableBufferPointer<Int32>
  private let packed: UnsafeMutableBufferPointer<Float>
  /// Entries of the full buffer.
  public let count: Int
  /// Bytes each rank contributes per call (4 per kept entry).
  public var bytesPerCall: Int { kept.count * MemoryLayout<Float>.stride }
  /// Bytes contributed by this rank so far.
  public private(set) var bytesSent = 0

  /// `mask`: nonzero = kept. Every rank must pass the same mask.
  public init(mask: UnsafeBufferPointer<Float>) {
    count = mask.count
    var n = 0
    for m in mask where m != 0 { n += 1 }
    let indices = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
    var k = 0
    for (i, m) in mask.enumerated() where m != 0 {
      indices[k] = Int32(i)
      k += 1
    }
    kept = UnsafeMutableBufferPointer(start: indices, count: n)
    packed = UnsafeMutableBufferPointer(
      start: UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1)), count: n)
  }

  deinit {
    kept.baseAddress?.deallocate()
    packed.baseAddress?.deallocate()
  }

  /// Replaces `buffer` on every rank with the sum over ranks at kept entries and zero elsewhere.
  public func allReduceSum(
    _ buffer: UnsafeMutableBufferPointer<Float>, over comm: any Communicator
  ) throws(CollectiveError) {
    guard buffer.count == count else {
      throw .lengthMismatch(rank: comm.rank, expected: count, actual: buffer.count)
    }
    guard let base = buffer.baseAddress else { return }
    for k in kept.indices { packed[k] = base[Int(kept[k])] }
    try comm.allReduceSum(packed)
    base.update(repeating: 0, count: count)
    for k in kept.indices { base[Int(kept[k])] = packed[k] }
    bytesSent += bytesPerCall
  }
}
