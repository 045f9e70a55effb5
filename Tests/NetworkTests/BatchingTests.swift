import Network
import StepwiseTestSupport
import Testing

/// Micro-batching and data-parallel shards give the full-batch mean gradient. Tolerance: max
/// |a - b| / max |b| < 1e-5 (Float sums in a different order).
@Suite struct BatchingTests {
  @Test(arguments: [1, 3, 7])
  func microBatchesGiveTheFullBatchGradient(maxBatch: Int) throws {
    let description = ModelDescription.simpleCNN()
    let whole = try Model(description, maxBatch: 8)
    let split = try Model(description, maxBatch: maxBatch)
    whole.initialize(seed: 1)
    split.initialize(seed: 1)
    var rng = TestRandom(seed: 2)
    let (x, y) = rng.batch(8, features: 784)
    let a = try whole.trainStep(input: x, labels: y, count: 8)
    let b = try split.trainStep(input: x, labels: y, count: 8)
    #expect(abs(a.loss - b.loss) < 1e-5 && a.correct == b.correct)
    let err = Gradcheck.scaledMaxError(
      split.store.gradientArray().map(Double.init), whole.store.gradientArray().map(Double.init))
    #expect(err < 1e-5)
  }

  /// Two shards with `gradientDenominator` = global batch, summed, equal the global gradient.
  @Test func shardGradientsSumToTheGlobalMean() throws {
    let description = ModelDescription.resnet8(input: TensorShape(channels: 3, height: 8, width: 8))
    let global = try Model(description, maxBatch: 6)
    let worker = try Model(description, maxBatch: 3)
    global.initialize(seed: 4)
    worker.initialize(seed: 4)
    var rng = TestRandom(seed: 3)
    let (x, y) = rng.batch(6, features: description.input.count)
    _ = try global.trainStep(input: x, labels: y, count: 6)
    _ = try worker.trainStep(input: x, labels: y, count: 3, gradientDenominator: 6)
    let first = worker.store.gradientArray()
    let shard = 3 * description.input.count
    let xs = Array(x[shard...])
    let ys = Array(y[3...])
    _ = try worker.trainStep(input: xs, labels: ys, count: 3, gradientDenominator: 6)
    let summed = zip(first, worker.store.gradientArray()).map { Double($0 + $1) }
    #expect(Gradcheck.scaledMaxError(summed, global.store.gradientArray().map(Double.init)) < 1e-5)
  }

  @Test func evaluateMatchesTrainStepLossAndIsRepeatable() throws {
    let model = try Model(.simpleCNN(), maxBatch: 5)
    model.initialize(seed: 9)
    var rng = TestRandom(seed: 8)
    let (x, y) = rng.batch(13, features: 784)
    let e1 = try model.evaluate(input: x, labels: y, count: 13)
    let e2 = try model.evaluate(input: x, labels: y, count: 13)
    #expect(e1.lossSum == e2.lossSum && e1.correct == e2.correct)
    let t = try model.trainStep(input: x, labels: y, count: 13)
    #expect(abs(Double(t.loss) - e1.lossSum / 13) < 1e-5)
    #expect(t.correct == e1.correct)
  }
}

/// Loss temperature T on a model equals T = 1 on the same model with its logits layer divided
/// by T (loss and the gradients of the earlier layers). Tolerance 1e-5 scaled.
@Suite struct TemperatureTests {
  @Test func temperatureEqualsScaledLogitsLayer() throws {
    let t: Float = 200
    let a = try Model(.simpleCNN(), maxBatch: 4)
    let b = try Model(.simpleCNN(), maxBatch: 4)
    a.initialize(seed: 2)
    b.initialize(seed: 2)
    let last = try #require(b.store.slice(named: "dense1.weight"))
    for i in last.offset..<b.store.count { b.store.parameters[i] /= t }
    var rng = TestRandom(seed: 1)
    let (x, y) = rng.batch(4, features: 784)
    let la = try a.trainStep(input: x, labels: y, count: 4, temperature: t)
    let lb = try b.trainStep(input: x, labels: y, count: 4)
    #expect(abs(la.loss - lb.loss) < 1e-5)
    let conv = try #require(a.store.slice(named: "conv2.weight"))
    let ga = (conv.offset..<(conv.offset + conv.count)).map { Double(a.store.gradients[$0]) }
    let gb = (conv.offset..<(conv.offset + conv.count)).map { Double(b.store.gradients[$0]) }
    #expect(Gradcheck.scaledMaxError(ga, gb) < 1e-4)
  }
}
