import Foundation
import StepwiseTestSupport
import Testing

@testable import Collectives

/// The packed all-reduce of kept entries against the full all-reduce, on thread ranks.
@Suite struct MaskedAllReduceTests {
  static func mask(count: Int, density: Double) -> [Float] {
    (0..<count).map { i in Double((i &* 2_654_435_761) % 1000) / 1000 < density ? 1 : 0 }
  }

  @Test(arguments: [1, 2, 3], [0.0, 0.1, 1.0])
  func keptEntriesEqualTheFullSumAndBytesScaleWithDensity(size: Int, density: Double) {
    let count = 1001
    let mask = Self.mask(count: count, density: density)
    let kept = mask.filter { $0 != 0 }.count
    let packedResults = Results<([Float], Int)>()
    let fullResults = Results<[Float]>()
    onThreads(size) { comm in
      var packed = ThreadCommunicatorTests.input(rank: comm.rank, count: count)
      var full = packed
      let reduce = mask.withUnsafeBufferPointer { MaskedAllReduce(mask: $0) }
      do {
        for _ in 0..<2 {  // twice: the bytes add up; the second call reduces the first's sums
          try packed.withUnsafeMutableBufferPointer { try reduce.allReduceSum($0, over: comm) }
          try comm.allReduceSum(&full)
        }
      } catch { Issue.record("\(error)") }
      packedResults.set(comm.rank, (packed, reduce.bytesSent))
      fullResults.set(comm.rank, full)
    }
    for r in 0..<size {
      let (packed, bytes) = packedResults[r] ?? ([], -1)
      let expected = zip(fullResults[r] ?? [], mask).map { $1 != 0 ? $0 : 0 }
      #expect(packed.map(\.bitPattern) == expected.map(\.bitPattern), "rank \(r)")
      #expect(bytes == 2 * kept * 4)
    }
  }

  @Test func aBufferOfAnotherLengthIsAnError() {
    let reduce = [Float](repeating: 1, count: 10).withUnsafeBufferPointer {
      MaskedAllReduce(mask: $0)
    }
    var buffer = [Float](repeating: 0, count: 9)
    #expect(throws: CollectiveError.lengthMismatch(rank: 0, expected: 10, actual: 9)) {
      try buffer.withUnsafeMutableBufferPointer { try reduce.allReduceSum($0, over: SingleRank()) }
    }
  }
}
