import Network
import Pruning
import Testing

/// The exact engine's gradient and Hessian-vector product against central differences in Double.
@Suite struct SequentialModelTests {
  @Test(arguments: [UInt64(1), 2, 3])
  func gradientMatchesCentralDifferences(seed: UInt64) throws {
    let model = try TinyNetworks.convNet(seed: seed)
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

  @Test(arguments: [UInt64(4), 5, 6])
  func hessianVectorProductMatchesDifferenceOfGradients(seed: UInt64) throws {
    let model = try TinyNetworks.convNet(seed: seed)
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
  }

  @Test func rejectsTensorsThatDoNotTileTheBuffer() {
    let tensors = [ParameterTensor(name: "w", role: .weight, offset: 1, shape: [2, 3])]
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: tensors, layers: [.dense(weight: 0, bias: nil)], inputShape: (3, 1, 1),
        parameters: [Float](repeating: 0, count: 7))
    }
  }
}
