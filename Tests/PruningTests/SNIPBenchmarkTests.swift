import Foundation
import Network
import Pruning
import Testing

/// SNIP over the 54,000-image MNIST training split against one epoch of training at batch size
/// 1,000, on the same model and machine. Opt-in (it reads MNIST and takes minutes in debug):
/// `scripts/bench-snip.sh` runs it in a release build with `STEPWISE_BENCH=1`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["STEPWISE_BENCH"] != nil))
struct SNIPBenchmarkTests {
  /// Raw IDX images and labels, standardised with Lee et al.'s MNIST constants. The first 54,000
  /// stand in for the split: which 54,000 does not change the cost.
  static func mnist(count: Int) throws -> (images: [Float], labels: [Int32]) {
    let directory =
      ProcessInfo.processInfo.environment["STEPWISE_MNIST"] ?? "/work/shared/data/mnist"
    let images = try Data(contentsOf: URL(fileURLWithPath: directory + "/train-images-idx3-ubyte"))
    let labels = try Data(contentsOf: URL(fileURLWithPath: directory + "/train-labels-idx1-ubyte"))
    guard images.count >= 16 + count * 784, labels.count >= 8 + count,
      images.prefix(4) == Data([0, 0, 8, 3]), labels.prefix(4) == Data([0, 0, 8, 1])
    else { throw FixtureError.missing("MNIST IDX files in \(directory)") }
    let pixels = images.dropFirst(16).prefix(count * 784).map {
      (Float($0) / 255 - 0.13066062) / 0.30810776
    }
    return (pixels, labels.dropFirst(8).prefix(count).map { Int32($0) })
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }

  @Test func snipCostsNoMoreThanAnEpochAtBatch1000() throws {
    let count = 54_000
    let (images, labels) = try Self.mnist(count: count)
    let threads = Int(ProcessInfo.processInfo.environment["STEPWISE_THREADS"] ?? "") ?? 2
    let model = try Model(.simpleCNN(), maxBatch: 1_000, threads: threads)
    model.initialize(seed: 1)
    let initial = model.store.parameterArray()
    let clock = ContinuousClock()

    func epoch() throws -> Double {
      model.store.setParameters(initial)
      let optimizer = SGD(momentum: .nesterov(0.9))
      let start = clock.now
      try images.withUnsafeBufferPointer { x in
        try labels.withUnsafeBufferPointer { y in
          guard let x = x.baseAddress, let y = y.baseAddress else { return }
          for step in 0..<(count / 1_000) {
            _ = try model.trainStep(
              input: x + step * 1_000 * 784, labels: y + step * 1_000, count: 1_000)
            optimizer.step(store: model.store, learningRate: 0.01)
          }
        }
      }
      return Self.seconds(clock.now - start)
    }

    func snip() throws -> PruningResult {
      model.store.setParameters(initial)
      let batches = stride(from: 0, to: count, by: 100).lazy.map { start in
        PruningBatch(
          images: Array(images[(start * 784)..<((start + 100) * 784)]),
          labels: labels[start..<(start + 100)].map(Int.init), imageShape: (1, 28, 28))
      }
      return try Pruner.computeMask(
        .leeSNIP(sparsity: 0.9), network: ModelPruningNetwork(model: model), data: batches)
    }

    // Warm-up: oneDNN builds its primitives for batch 1,000 on the first step.
    try images.withUnsafeBufferPointer { x in
      try labels.withUnsafeBufferPointer { y in
        guard let x = x.baseAddress, let y = y.baseAddress else { return }
        _ = try model.trainStep(input: x, labels: y, count: 1_000)
      }
    }
    let firstEpoch = try epoch()
    let result = try snip()
    let secondEpoch = try epoch()
    print(
      "SNIP-BENCH threads=\(threads) snip_seconds=\(result.seconds) examples=\(result.examples)"
        + " epoch_seconds_b1000=\(firstEpoch),\(secondEpoch) kept=\(result.keptCount)"
        + " digest=\(result.digest)")
    #expect(result.examples == count)
    // Epochs before and after SNIP bracket it, so a load change on a shared machine shows up as
    // a gap between the two rather than as a false result.
    #expect(result.seconds <= max(firstEpoch, secondEpoch))
  }
}
