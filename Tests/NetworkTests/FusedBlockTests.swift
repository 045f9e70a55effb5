import Network
import StepwiseTestSupport
import Testing

/// `conv2d, relu, maxPool` built as one `ConvReLUMaxPool` (the default) against the same model
/// built from the three separate layers: same store layout, same loss and gradients up to Float
/// summation order (max |a - b| / max |b| < 1e-5), over several steps with a mask, and the same
/// bits when run twice at 2 threads.
@Suite struct FusedBlockTests {
  static let descriptions: [ModelDescription] = [
    .simpleCNN(),
    .shallueSimpleCNN(
      conv1: 5, conv2: 12, hidden: 16, name: "odd-channels",
      input: TensorShape(channels: 2, height: 14, width: 14)),
  ]

  @Test(arguments: 0..<2)
  func fusedModelMatchesSeparateLayers(index: Int) throws {
    let description = Self.descriptions[index]
    let fused = try Model(description, maxBatch: 4, threads: 2)
    let separate = try Model(description, maxBatch: 4, threads: 2, fuseConvolutionBlocks: false)
    #expect(fused.network.layers.contains { $0 is ConvReLUMaxPool })
    #expect(!separate.network.layers.contains { $0 is ConvReLUMaxPool })
    #expect(fused.store.slices.map(\.name) == separate.store.slices.map(\.name))
    var rng = TestRandom(seed: 5)
    // Prune half of the weights: masked weights and their gradients must stay zero.
    let mask = (0..<fused.store.count).map { _ in rng.uniform() < 0 ? Float(0) : 1 }
    for model in [fused, separate] {
      model.initialize(seed: 3)
      mask.withUnsafeBufferPointer { model.store.setMask($0) }
    }
    let batch = 6  // Two micro-batches (4 + 2): the accumulate path.
    let sgd = SGD(momentum: .nesterov(0.9))
    for _ in 0..<3 {
      let x = rng.uniforms(batch * description.input.count).map(Float.init)
      let labels = rng.labels(batch, classes: description.classes).map(Int32.init)
      let a = try fused.trainStep(input: x, labels: labels, count: batch)
      let b = try separate.trainStep(input: x, labels: labels, count: batch)
      #expect(abs(a.loss - b.loss) < 1e-5 * max(1, abs(b.loss)))
      let err = Gradcheck.scaledMaxError(
        fused.store.gradientArray().map(Double.init),
        separate.store.gradientArray().map(Double.init))
      #expect(err < 1e-5)
      sgd.step(store: fused.store, learningRate: 0.05)
      sgd.step(store: separate.store, learningRate: 0.05)
    }
    let parameters = fused.store.parameterArray()
    let gradients = fused.store.gradientArray()
    for i in 0..<mask.count where mask[i] == 0 {
      #expect(parameters[i] == 0 && gradients[i] == 0)
    }
  }

  @Test func fusedTrainingIsBitwiseRepeatableAtTwoThreads() throws {
    func run() throws -> [Float] {
      let model = try Model(.simpleCNN(), maxBatch: 64, threads: 2)
      model.initialize(seed: 9)
      var rng = TestRandom(seed: 4)
      let sgd = SGD(momentum: .heavyBall(0.9))
      for _ in 0..<3 {
        let (x, labels) = rng.batch(64, features: 784)
        _ = try model.trainStep(input: x, labels: labels, count: 64)
        sgd.step(store: model.store, learningRate: 0.1)
      }
      return model.store.parameterArray()
    }
    #expect(try run() == run())
  }
}
