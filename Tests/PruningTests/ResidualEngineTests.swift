import Network
import Pruning
import Testing

/// The exact engine on residual blocks, average pools and stride-2 SAME convolutions: its
/// gradient and Hessian-vector product against central differences in Double.
@Suite struct ResidualEngineTests {
  @Test(arguments: [UInt64(31), 32, 33])
  func gradientMatchesCentralDifferences(seed: UInt64) throws {
    let model = try TinyNetworks.residualNet(seed: seed)
    let batch = TinyNetworks.batch(count: 5, seed: seed + 100)
    let theta = model.parameters.map(Double.init)
    let analytic = try model.evaluate(
      parameters: theta, direction: nil, batch: batch, temperature: 1.5
    ).gradient
    let h = 1e-6
    var numeric = [Double](repeating: 0, count: theta.count)
    for index in theta.indices {
      var plus = theta
      var minus = theta
      plus[index] += h
      minus[index] -= h
      let up = try model.evaluate(parameters: plus, direction: nil, batch: batch, temperature: 1.5)
      let down = try model.evaluate(
        parameters: minus, direction: nil, batch: batch, temperature: 1.5)
      numeric[index] = (up.loss - down.loss) / (2 * h)
    }
    #expect(TinyNetworks.relativeError(analytic, numeric) < 1e-7)
  }

  /// H v against (∇L(θ + hv) − ∇L(θ − hv)) / 2h of the exact Double gradient, h = 1e-5: the
  /// truncation error is O(h²) and the rounding O(ulp/h), both near 1e-10 relative, so 1e-7
  /// leaves room. With ReLUs the fixed seeds put no pre-activation within h of a kink (a unit
  /// that switched would show as a large error); `smooth` drops them, so the check holds at any
  /// point.
  @Test(arguments: [(UInt64(41), false), (42, false), (43, false), (44, true), (45, true)])
  func hessianVectorProductMatchesDifferenceOfGradients(seed: UInt64, smooth: Bool) throws {
    let model = try TinyNetworks.residualNet(seed: seed, smooth: smooth)
    let batch = TinyNetworks.batch(count: 6, seed: seed + 100)
    let theta = model.parameters.map(Double.init)
    var generator = SplitMix64(seed: seed + 200)
    let direction = theta.map { _ in TinyNetworks.uniform(&generator) }
    let exact = try #require(
      try model.evaluate(parameters: theta, direction: direction, batch: batch, temperature: 2)
        .product)
    let h = 1e-5
    let plus = zip(theta, direction).map { $0 + h * $1 }
    let minus = zip(theta, direction).map { $0 - h * $1 }
    let up = try model.evaluate(parameters: plus, direction: nil, batch: batch, temperature: 2)
    let down = try model.evaluate(parameters: minus, direction: nil, batch: batch, temperature: 2)
    let numeric = zip(up.gradient, down.gradient).map { ($0 - $1) / (2 * h) }
    #expect(TinyNetworks.relativeError(exact, numeric) < 1e-7)
    // Not vacuous: the product is far from zero and differs from the gradient.
    #expect(exact.reduce(0) { $0 + $1 * $1 } > 1e-12)
  }

  @Test func rejectsABlockWithoutAShortcut() throws {
    let tensors = [
      ParameterTensor(name: "w", role: .weight, offset: 0, shape: [2, 4, 3, 3])
    ]
    // 4 -> 2 channels: the zero-padded shortcut cannot drop channels.
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: tensors,
        layers: [.residual(body: [.convolution(weight: 0, bias: nil, stride: 1, padding: 1)])],
        inputShape: (4, 6, 6), parameters: [Float](repeating: 0, count: 72))
    }
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: [], layers: [.residual(body: [])], inputShape: (4, 6, 6), parameters: [])
    }
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: [], layers: [.averagePool(window: 7, stride: 1)], inputShape: (4, 6, 6),
        parameters: [])
    }
  }
}
