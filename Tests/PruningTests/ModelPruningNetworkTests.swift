import Network
import Pruning
import Testing

/// Network's fast kernels, seen through the adapter, against the exact engine and PyTorch.
@Suite struct ModelPruningNetworkTests {
  static func simpleCNN(parameters: [Float]) throws -> ModelPruningNetwork {
    let model = try Model(.simpleCNN(), maxBatch: 100, threads: 1)
    model.store.setParameters(parameters)
    return ModelPruningNetwork(model: model)
  }

  @Test(arguments: [1.0, 200.0])
  func gradientMatchesExactEngine(temperature: Double) throws {
    let fixture = try PruningFixture.load()
    let parameters = try fixture.floats("parameters")
    let adapter = try Self.simpleCNN(parameters: parameters)
    let engine = try SequentialModel.simpleCNN(parameters: parameters)
    #expect(adapter.tensors == engine.tensors)
    let batch = try fixture.batches()[0].slice(0..<20)
    var fast = [Double](repeating: 0, count: engine.parameterCount)
    var exact = fast
    let fastLoss = try adapter.accumulateGradient(
      at: parameters, batch: batch, temperature: temperature, scale: 1, into: &fast)
    let exactLoss = try engine.accumulateGradient(
      at: parameters, batch: batch, temperature: temperature, scale: 1, into: &exact)
    #expect(TinyNetworks.relativeError(fast, exact) < 1e-5)
    #expect(abs(fastLoss - exactLoss) < 1e-5 * abs(exactLoss))
    // The adapter leaves the model at its initialisation.
    #expect(adapter.model.store.parameterArray() == parameters)
  }

  @Test(arguments: PyTorchReferenceTests.caseNames)
  func fastKernelsReproducePyTorchMask(name: String) throws {
    let fixture = try PruningFixture.load()
    let fixtureCase = try #require(fixture.metadata.cases.first { $0.name == name })
    let adapter = try Self.simpleCNN(parameters: try fixture.floats("parameters"))
    let configuration = try PruningFixture.configuration(of: fixtureCase)
    let result = try Pruner.computeMask(
      configuration, network: adapter, data: try fixture.batches())
    let expected = PruningFixture.mask(hex: fixtureCase.mask32, count: adapter.parameterCount)
    let agreement = zip(result.mask, expected).filter { $0 == $1 }.count
    let fraction = Double(agreement) / Double(expected.count)
    // Float gradients from oneDNN differ from PyTorch's in the last bits, which can only swap
    // entries whose scores are within rounding of the threshold.
    #expect(fraction >= 0.999)
    if configuration.method == .snip {
      #expect(result.keptCount == fixtureCase.kept32 - (configuration.prunable == .weights ? 106 : 0))
    }
  }
}
