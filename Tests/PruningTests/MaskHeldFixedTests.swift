import Network
import Pruning
import Testing

/// A SNIP mask installed in Network's store stays exact through training.
@Suite struct MaskHeldFixedTests {
  @Test(arguments: [Momentum.none, .heavyBall(0.9), .nesterov(0.9)])
  func prunedWeightsStayZero(momentum: Momentum) throws {
    let fixture = try PruningFixture.load()
    let batches = try fixture.batches()
    let model = try Model(.simpleCNN(), maxBatch: 100, threads: 1)
    model.initialize(seed: 3)
    let result = try Pruner.computeMask(
      .leeSNIP(sparsity: 0.9), network: ModelPruningNetwork(model: model), data: batches)
    #expect(result.keptCount == 6_235)
    result.apply(to: model.store)
    let optimizer = SGD(momentum: momentum)
    for step in 0..<20 {
      let batch = batches[step % batches.count].slice(0..<32)
      let labels = batch.labels.map { Int32($0) }
      _ = try batch.images.withUnsafeBufferPointer { images in
        try labels.withUnsafeBufferPointer { labels in
          try model.trainStep(
            input: try #require(images.baseAddress), labels: try #require(labels.baseAddress),
            count: batch.count)
        }
      }
      optimizer.step(store: model.store, learningRate: 0.1)
    }
    let parameters = model.store.parameterArray()
    let pruned = result.prunedIndices
    #expect(pruned.count == model.store.count - 6_235)
    #expect(pruned.allSatisfy { parameters[$0] == 0 })
    #expect(pruned.allSatisfy { model.store.velocity[$0] == 0 })
    #expect(parameters.filter { $0 != 0 }.count == 6_235)
  }
}
