import Foundation
import StepwiseTestSupport
import Testing

@testable import Collectives

/// Per-rank results collected from worker threads.
final class Results<T: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [Int: T] = [:]
  func set(_ rank: Int, _ value: T) { lock.withLock { values[rank] = value } }
  subscript(rank: Int) -> T? { lock.withLock { values[rank] } }
}

@Suite struct ThreadCommunicatorTests {
  /// Values whose float sum depends on the order of addition.
  static func input(rank: Int, count: Int) -> [Float] {
    (0..<count).map { i in
      Float(sin(Double(i * 7919 + rank * 104_729))) * powf(10, Float((i + rank) % 9) - 4)
    }
  }

  @Test(arguments: [1, 2, 3, 4, 7])
  func allReduceIsTheRankOrderSumOnEveryRank(size: Int) {
    let count = 1001
    let results = Results<[Float]>()
    onThreads(size) { comm in
      var buffer = Self.input(rank: comm.rank, count: count)
      do { try comm.allReduceSum(&buffer) } catch { Issue.record("\(error)") }
      results.set(comm.rank, buffer)
    }
    var expected = Self.input(rank: 0, count: count)
    for r in 1..<max(size, 1) {
      let x = Self.input(rank: r, count: count)
      for i in 0..<count { expected[i] += x[i] }
    }
    for r in 0..<size {
      // Bit for bit: ((b0 + b1) + b2) + ... on every rank.
      #expect(results[r]?.map(\.bitPattern) == expected.map(\.bitPattern), "rank \(r)")
    }
  }

  @Test func resultsDoNotDependOnTiming() {
    var runs: [[UInt32]] = []
    for trial in 0..<5 {
      let results = Results<[Float]>()
      onThreads(4) { comm in
        // Stagger the ranks differently each trial.
        usleep(UInt32(((comm.rank + trial) % 4) * 500))
        var buffer = Self.input(rank: comm.rank, count: 4096)
        for _ in 0..<3 {
          do { try comm.allReduceSum(&buffer) } catch { Issue.record("\(error)") }
        }
        results.set(comm.rank, buffer)
      }
      runs.append(results[2]?.map(\.bitPattern) ?? [])
    }
    #expect(runs.allSatisfy { $0 == runs[0] && !$0.isEmpty })
  }

  @Test func doublesBroadcastAndBarrier() {
    let results = Results<([Double], [Int64])>()
    onThreads(3) { comm in
      var sums = [Double(comm.rank), 1]
      var message: [Int64] = comm.rank == 1 ? [42, -7, 99] : [0, 0, 0]
      do {
        try comm.allReduceSum(&sums)
        try comm.broadcast(&message, root: 1)
        try comm.barrier()
      } catch { Issue.record("\(error)") }
      results.set(comm.rank, (sums, message))
    }
    for r in 0..<3 {
      #expect(results[r]?.0 == [3, 3])
      #expect(results[r]?.1 == [42, -7, 99])
    }
  }

  @Test func aLengthMismatchIsAnErrorOnEveryRank() {
    let results = Results<CollectiveError?>()
    onThreads(2) { comm in
      var buffer = [Float](repeating: 1, count: comm.rank == 0 ? 10 : 11)
      do {
        try comm.allReduceSum(&buffer)
        results.set(comm.rank, nil)
      } catch let error as CollectiveError {
        results.set(comm.rank, error)
      } catch {
        Issue.record("\(error)")
      }
    }
    #expect(results[0] == .some(.lengthMismatch(rank: 1, expected: 10, actual: 11)))
    #expect(results[1] == .some(.lengthMismatch(rank: 1, expected: 10, actual: 11)))
  }

  @Test func singleRankIsTheIdentity() throws {
    let comm = SingleRank()
    var buffer: [Float] = [1, 2, 3]
    try comm.allReduceSum(&buffer)
    #expect(buffer == [1, 2, 3] && comm.size == 1 && comm.rank == 0)
    #expect(throws: CollectiveError.invalidRoot(root: 1, size: 1)) {
      try comm.broadcast(&buffer, root: 1)
    }
  }
}
