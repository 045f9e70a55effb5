import Network
import StepwiseTestSupport
import Testing

/// The update rules by hand on a 3-parameter store, and masks.
@Suite struct OptimizerTests {
  func store() throws -> Model {
    // dense 1 -> 2 with bias: 2 weights + 2 biases = 4 parameters.
    try Model(
      ModelDescription(
        name: "d", input: TensorShape(channels: 1), classes: 2,
        layers: [.dense(units: 2, bias: true)]), maxBatch: 1)
  }

  func set(_ m: Model, w: [Float], g: [Float]) {
    m.store.setParameters(w)
    for i in 0..<g.count { m.store.gradients[i] = g[i] }
  }

  @Test func plainSGD() throws {
    let m = try store()
    set(m, w: [1, 2, 3, 4], g: [0.5, -1, 0, 2])
    SGD().step(store: m.store, learningRate: 0.1)
    #expect(m.store.parameterArray() == [0.95, 2.1, 3, 3.8])
  }

  /// Two steps from w = g = 1 with η = 0.1, γ = 0.5, and the weights after each (with the
  /// tolerance of the first).
  /// - Heavy ball: a1 = g1, w1 = w0 - η a1 = 0.9; a2 = γ a1 + g2 = 1.5, w2 = w1 - η a2 = 0.75.
  /// - Nesterov: a1 = g; w1 = w0 - η (g + γ a1) = 1 - 0.1 * 1.5 = 0.85; a2 = 1.5;
  ///   w2 = w1 - 0.1 (1 + 0.75) = 0.675.
  @Test(arguments: [
    (Momentum.heavyBall(0.5), Float(0.9), Float(1e-7), Float(0.75)),
    (Momentum.nesterov(0.5), Float(0.85), Float(1e-6), Float(0.675)),
  ])
  func twoMomentumSteps(momentum: Momentum, first: Float, tolerance: Float, second: Float) throws {
    let m = try store()
    set(m, w: [1, 1, 1, 1], g: [1, 1, 1, 1])
    let opt = SGD(momentum: momentum)
    opt.step(store: m.store, learningRate: 0.1)
    #expect(m.store.parameterArray().allSatisfy { abs($0 - first) < tolerance })
    opt.step(store: m.store, learningRate: 0.1)
    #expect(m.store.parameterArray().allSatisfy { abs($0 - second) < 1e-6 })
  }

  @Test(arguments: [Momentum.none, .heavyBall(0.9), .nesterov(0.9)])
  func prunedEntriesNeverMove(momentum: Momentum) throws {
    let model = try Model(.simpleCNN(), maxBatch: 4)
    model.initialize(seed: 3)
    var rng = TestRandom(seed: 9)
    let mask = (0..<model.store.count).map { _ in rng.unit() < 0.7 ? Float(0) : 1 }
    mask.withUnsafeBufferPointer { model.store.setMask($0) }
    let x = rng.uniforms(4 * 784).map(Float.init)
    let y: [Int32] = [1, 2, 3, 4]
    let opt = SGD(momentum: momentum)
    let before = model.store.parameterArray()
    for _ in 0..<3 {
      _ = try model.trainStep(input: x, labels: y, count: 4)
      opt.step(store: model.store, learningRate: 0.1)
    }
    let after = model.store.parameterArray()
    var moved = 0
    for i in 0..<mask.count {
      if mask[i] == 0 {
        #expect(after[i] == 0 && model.store.velocity[i] == 0 && model.store.gradients[i] == 0)
      } else if after[i] != before[i] {
        moved += 1
      }
    }
    #expect(moved > mask.filter { $0 != 0 }.count / 2, "kept weights should train")
    #expect(model.store.keptCount == mask.filter { $0 != 0 }.count)
  }

  @Test func linearDecayMatchesPolynomialDecay() {
    let s = LearningRateSchedule.linearDecay(initial: 1.0, end: 0.01, steps: 100)
    #expect(s.rate(at: 0) == 1.0)
    #expect(abs(s.rate(at: 50) - Float(0.99 * 0.5 + 0.01)) < 1e-7)
    #expect(abs(s.rate(at: 100) - 0.01) < 1e-9)
    #expect(abs(s.rate(at: 1000) - 0.01) < 1e-9)
    #expect(LearningRateSchedule.constant(0.3).rate(at: 77) == 0.3)
  }
}
