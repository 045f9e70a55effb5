import Foundation

/// In-process ranks: `size` threads of one process, each holding its own `ThreadCommunicator`
/// from one `ThreadCommunicator.group(size:)`.
///
/// All-reduce: every rank publishes its buffer, then rank r sums the r-th contiguous chunk of
/// every buffer in rank order (((b0 + b1) + b2) + ...) and writes the sum back into every buffer,
/// so each element is added in the same order whatever the threads' timing: results are bit for
/// bit reproducible for a given size. Two barriers bound each collective.
///
/// Thread safety: the shared slots are written only by their own rank before the first barrier
/// and read after it; each chunk is written by one rank only; the barrier's lock orders memory.
public final class ThreadCommunicator: Communicator, @unchecked Sendable {
  public let rank: Int
  public var size: Int { shared.size }
  private let shared: Shared

  /// One communicator per rank, to hand to `size` threads (index i is rank i).
  public static func group(size: Int) -> [ThreadCommunicator] {
    precondition(size >= 1, "a group needs at least one rank")
    let shared = Shared(size: size)
    return (0..<size).map { ThreadCommunicator(rank: $0, shared: shared) }
  }

  private init(rank: Int, shared: Shared) {
    self.rank = rank
    self.shared = shared
  }

  public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(CollectiveError) {
    try reduce(buffer)
  }

  public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(CollectiveError) {
    try reduce(buffer)
  }

  private func reduce<T: BinaryFloatingPoint>(
    _ buffer: UnsafeMutableBufferPointer<T>
  ) throws(CollectiveError) {
    let size = shared.size
    if size == 1 { return }
    shared.slots[rank] = Slot(
      base: UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count)
    shared.barrier.wait()
    let count = shared.slots[0].count
    if let bad = shared.slots.firstIndex(where: { $0.count != count }) {
      // Every rank sees the same slots, so every rank throws; the second barrier is skipped
      // by all of them alike.
      throw .lengthMismatch(rank: bad, expected: count, actual: shared.slots[bad].count)
    }
    let chunk = (count + size - 1) / size
    let start = min(count, rank * chunk)
    let end = min(count, start + chunk)
    if start < end {
      // Accumulate into rank 0's chunk in rank order (no allocation), then copy the sums out.
      let n = end - start
      let target = slot(0, as: T.self) + start
      for q in 1..<size {
        let source = slot(q, as: T.self) + start
        for i in 0..<n { target[i] += source[i] }
      }
      for q in 1..<size { (slot(q, as: T.self) + start).update(from: target, count: n) }
    }
    shared.barrier.wait()
  }

  private func slot<T>(_ rank: Int, as type: T.Type) -> UnsafeMutablePointer<T> {
    (shared.slots[rank].base ?? shared.empty).assumingMemoryBound(to: T.self)
  }

  public func broadcast(
    _ buffer: UnsafeMutableRawBufferPointer, root: Int
  ) throws(CollectiveError) {
    let size = shared.size
    guard (0..<size).contains(root) else { throw .invalidRoot(root: root, size: size) }
    if size == 1 { return }
    shared.slots[rank] = Slot(base: buffer.baseAddress, count: buffer.count)
    shared.barrier.wait()
    let source = shared.slots[root]
    if source.count != buffer.count {
      shared.barrier.wait()
      throw .lengthMismatch(rank: rank, expected: source.count, actual: buffer.count)
    }
    if rank != root, let from = source.base, let to = buffer.baseAddress {
      to.copyMemory(from: from, byteCount: buffer.count)
    }
    shared.barrier.wait()
  }

  public func barrier() throws(CollectiveError) {
    shared.barrier.wait()
  }

  private struct Slot {
    var base: UnsafeMutableRawPointer?
    var count: Int
  }

  private final class Shared: @unchecked Sendable {
    let size: Int
    /// One slot per rank; raw memory so ranks write their own slot without Swift's exclusivity
    /// checks seeing a conflicting access to one array.
    let slots: UnsafeMutableBufferPointer<Slot>
    let barrier: Barrier
    /// A valid address for empty buffers.
    let empty = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)

    init(size: Int) {
      self.size = size
      slots = .allocate(capacity: size)
      slots.initialize(repeating: Slot(base: nil, count: 0))
      barrier = Barrier(count: size)
    }

    deinit {
      slots.deallocate()
      empty.deallocate()
    }
  }
}

/// A reusable barrier for `count` threads (generation counting under one condition variable).
final class Barrier: @unchecked Sendable {
  private let count: Int
  private var waiting = 0
  private var generation = 0
  private let condition = NSCondition()

  init(count: Int) {
    self.count = count
  }

  func wait() {
    condition.lock()
    let arrivedIn = generation
    waiting += 1
    if waiting == count {
      waiting = 0
      generation &+= 1
      condition.broadcast()
    } else {
      while generation == arrivedIn { condition.wait() }
    }
    condition.unlock()
  }
}
