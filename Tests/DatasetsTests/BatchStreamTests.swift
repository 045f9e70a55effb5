import Testing

@testable import Datasets

@Suite struct BatchStreamTests {
  static func draw(_ stream: inout BatchStream, _ n: Int) -> [Int32] {
    var out = [Int32](repeating: -1, count: n)
    out.withUnsafeMutableBufferPointer { stream.next(into: $0) }
    return out
  }

  @Test func everyEpochVisitsEveryExampleOnceAndBatchesSpanEpochs() {
    var stream = BatchStream(count: 100, seed: 7)
    var seen: [Int32] = []
    // Batches of 30 over 100 examples: the 4th batch spans epochs 0 and 1.
    for _ in 0..<10 { seen += Self.draw(&stream, 30) }
    #expect(stream.examplesSeen == 300 && stream.state.epoch == 2 && stream.state.position == 100)
    for epoch in 0..<3 {
      let slice = seen[(epoch * 100)..<(epoch * 100 + 100)]
      #expect(Set(slice) == Set(0..<100))
    }
    #expect(seen[0..<100] != seen[100..<200])
  }

  @Test func theOrderDependsOnlyOnTheSeed() {
    var a = BatchStream(count: 1000, seed: 3)
    var b = BatchStream(count: 1000, seed: 3)
    var c = BatchStream(count: 1000, seed: 4)
    let x = (0..<7).flatMap { _ in Self.draw(&a, 333) }
    // Other batch sizes read the same sequence.
    let y = (0..<21).flatMap { _ in Self.draw(&b, 111) }
    #expect(x == y)
    #expect(Self.draw(&c, 333) != Array(x.prefix(333)))
  }

  @Test(arguments: [0, 1, 99, 100, 101, 250])
  func restoringAStateResumesTheExactStream(after: Int) {
    var stream = BatchStream(count: 100, seed: 11)
    _ = Self.draw(&stream, after)
    let state = stream.state
    let expected = Self.draw(&stream, 333)
    var resumed = BatchStream(count: 100, seed: 999)
    resumed.restore(state)
    #expect(Self.draw(&resumed, 333) == expected)
    #expect(resumed.examplesSeen == after + 333)
  }

  @Test func gatherCopiesTheStreamsExamplesIntoTheBatchBuffers() {
    let n = 10
    let set = ImageSet(
      count: n, channels: 1, height: 2, width: 2,
      pixels: (0..<(n * 4)).map { Float($0) }, labels: (0..<n).map { Int32($0 % 10) })
    var stream = BatchStream(count: n, seed: 1)
    var reference = BatchStream(count: n, seed: 1)
    var images = [Float](repeating: 0, count: 6 * 4)
    var labels = [Int32](repeating: 0, count: 6)
    var scratch = [Int32](repeating: 0, count: 6)
    images.withUnsafeMutableBufferPointer { im in
      labels.withUnsafeMutableBufferPointer { lb in
        scratch.withUnsafeMutableBufferPointer { sc in
          stream.next(6, from: set, images: im.baseAddress!, labels: lb.baseAddress!, scratch: sc)
        }
      }
    }
    let order = Self.draw(&reference, 6)
    for (k, index) in order.enumerated() {
      #expect(labels[k] == Int32(index))
      #expect(Array(images[(k * 4)..<(k * 4 + 4)]) == (0..<4).map { Float(Int(index) * 4 + $0) })
    }
  }
}
