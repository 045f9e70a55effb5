import Network
import Primitives
import Pruning
import Testing

/// GraSP's Hessian-gradient product: the finite difference against the exact product.
@Suite struct GraSPTests {
  /// H g on the GraSP direction (the gradient at T = 200) of a small smooth network: the central
  /// difference of Float-rounded gradients against the exact product in Double. Measured relative
  /// L2 errors at the default relative step 3e-3 (seeds 21-23): 3.4e-6, 3.3e-6, 2.6e-6; at 1e-3
  /// about 1e-5 and at 1e-1 up to 1.2e-3, so the bound has a factor of ten to spare and still
  /// fails a step rule off by ten in either direction. On the ReLU/max-pool `convNet` the same
  /// difference gives errors from 7e-6 to 48 depending on seed and step (kinks), which is why
  /// GraSP defaults to the exact product.
  @Test(arguments: [UInt64(21), 22, 23])
  func finiteDifferenceErrorIsBounded(seed: UInt64) throws {
    let model = try TinyNetworks.smoothNet(seed: seed)
    let network = FloatGradientNetwork(base: model)
    let chunks = [
      TinyNetworks.batch(count: 6, seed: seed), TinyNetworks.batch(count: 6, seed: seed + 1),
    ]
    var g = [Double](repeating: 0, count: model.parameterCount)
    for chunk in chunks {
      _ = try model.accumulateGradient(
        at: model.parameters, batch: chunk, temperature: 200, scale: 1, into: &g)
    }
    var exact = [Double](repeating: 0, count: g.count)
    for chunk in chunks {
      try model.accumulateHessianVectorProduct(
        at: model.parameters, direction: g, batch: chunk, temperature: 200, scale: 1,
        into: &exact)
    }
    var approximate = [Double](repeating: 0, count: g.count)
    try FiniteDifferenceHessian.accumulate(
      network: network, at: model.parameters, direction: g, chunks: chunks, temperature: 200,
      relativeStep: FiniteDifferenceHessian.defaultRelativeStep, into: &approximate)
    let error = TinyNetworks.relativeError(approximate, exact)
    #expect(error < 3e-5)
  }

  @Test func finiteDifferenceMaskAgreesOnASmoothNetwork() throws {
    let model = try TinyNetworks.smoothNet(seed: 24)
    let data = [TinyNetworks.batch(count: 40, seed: 25)]
    var configuration = PruningConfiguration(
      method: .grasp, examples: .perClass(3), prunable: .weights, sparsity: 0.5, classCount: 4)
    let exact = try Pruner.computeMask(configuration, network: model, data: data)
    configuration.hessianProduct = .finiteDifference(
      relativeStep: FiniteDifferenceHessian.defaultRelativeStep)
    let approximate = try Pruner.computeMask(
      configuration, network: FloatGradientNetwork(base: model), data: data)
    let agreement = zip(exact.mask, approximate.mask).filter { $0 == $1 }.count
    #expect(Double(agreement) / Double(exact.mask.count) >= 0.99)
    #expect(exact.examples == 12)
  }

  @Test func exactProductNeedsASupportedNetwork() throws {
    let model = try TinyNetworks.convNet(seed: 26)
    #expect(throws: PruningError.self) {
      try Pruner.computeMask(
        PruningConfiguration(
          method: .grasp, examples: .perClass(2), prunable: .weights, sparsity: 0.5,
          classCount: 4),
        network: FloatGradientNetwork(base: model), data: [TinyNetworks.batch(count: 40, seed: 1)])
    }
  }

  /// Every built-in architecture maps onto the exact engine (ResNet-8's residual blocks, average
  /// pools and stride-2 SAME convolutions included), and the product is not zero.
  @Test(arguments: ["simple-cnn", "resnet-8", "simple-cnn-narrow", "fc-8-8"])
  func builtInModelsHaveAnExactProduct(name: String) throws {
    let description = try #require(ModelDescription.named(name))
    let model = try Model(description, maxBatch: 2)
    model.initialize(seed: 3)
    let network = ModelPruningNetwork(model: model)
    var generator = SplitMix64(seed: 5)
    let batch = TinyNetworks.batch(description.input, labels: [0, 1], generator: &generator)
    let direction = network.parameters.map { _ in TinyNetworks.uniform(&generator) }
    var product = [Double](repeating: 0, count: network.parameterCount)
    try network.accumulateHessianVectorProduct(
      at: network.parameters, direction: direction, batch: batch, temperature: 1, scale: 1,
      into: &product)
    #expect(product.contains { $0 != 0 })
  }
}
