import Pruning
import Testing

/// SNIP's scores and the two data regimes (Lee et al.'s whole split, the original one minibatch).
@Suite struct SNIPTests {
  /// SNIP's saliency, recovered from the mask: the kept entries must be exactly the top κ of
  /// |w * dL/dw| with dL/dw by central differences of the loss in Double.
  @Test(arguments: [UInt64(11), 12])
  func masksTheTopKappaOfFiniteDifferenceSensitivity(seed: UInt64) throws {
    let model = try TinyNetworks.convNet(seed: seed)
    let batches = [TinyNetworks.batch(count: 5, seed: seed), TinyNetworks.batch(count: 5, seed: seed + 1)]
    let theta = model.parameters.map(Double.init)
    var numeric = [Double](repeating: 0, count: theta.count)
    let h = 1e-6
    for index in theta.indices {
      var plus = theta
      var minus = theta
      plus[index] += h
      minus[index] -= h
      for batch in batches {
        let up = try model.evaluate(parameters: plus, direction: nil, batch: batch, temperature: 1)
        let down = try model.evaluate(
          parameters: minus, direction: nil, batch: batch, temperature: 1)
        numeric[index] += (up.loss - down.loss) / (2 * h)
      }
    }
    let sensitivity = theta.indices.map { abs(theta[$0] * numeric[$0]) }
    // The engine's own gradient agrees with the difference quotient...
    var analytic = [Double](repeating: 0, count: theta.count)
    for batch in batches {
      _ = try model.accumulateGradient(
        at: model.parameters, batch: batch, temperature: 1, scale: 1, into: &analytic)
    }
    #expect(TinyNetworks.relativeError(analytic, numeric) < 1e-7)
    // ...and the mask keeps the top κ of the finite-difference sensitivities.
    let result = try Pruner.computeMask(
      .leeSNIP(sparsity: 0.75), network: model, data: batches)
    let kappa = TopKSelection.keptCount(of: theta.count, sparsity: 0.75)
    let expected = Set(TopKSelection.largest(kappa, of: sensitivity, among: Array(theta.indices)))
    #expect(Set(result.mask.indices.filter { result.mask[$0] == 1 }) == expected)
    #expect(result.keptCount == kappa)
    #expect(result.examples == 10)
  }

  @Test func biasesAtZeroArePrunedFirst() throws {
    var model = try TinyNetworks.convNet(seed: 13)
    for tensor in model.tensors where tensor.role == .bias {
      for index in tensor.range { model.parameters[index] = 0 }
    }
    let result = try Pruner.computeMask(.leeSNIP(sparsity: 0.2), network: model, data: PrunerTests.data)
    for layer in result.layers where layer.role == .bias {
      #expect(layer.kept == 0)
    }
  }

  /// The original code's one minibatch of n is the mean over n examples, however the trainer
  /// happens to batch them; Lee et al.'s sum of batch means is the same mask for equal batches.
  @Test func maskDoesNotDependOnHowTheDataIsBatched() throws {
    let model = try TinyNetworks.convNet(seed: 14)
    let all = TinyNetworks.batch(count: 12, seed: 15)
    let bySix = [all.slice(0..<6), all.slice(6..<12)]
    let byFour = [all.slice(0..<4), all.slice(4..<8), all.slice(8..<12)]
    let one = try Pruner.computeMask(
      .originalSNIP(sparsity: 0.7, batchSize: 12), network: model, data: [all])
    let split = try Pruner.computeMask(
      .originalSNIP(sparsity: 0.7, batchSize: 12), network: model, data: byFour)
    let lee6 = try Pruner.computeMask(.leeSNIP(sparsity: 0.7), network: model, data: bySix)
    let lee4 = try Pruner.computeMask(.leeSNIP(sparsity: 0.7), network: model, data: byFour)
    #expect(one.digest == split.digest)
    #expect(lee6.digest == one.digest)
    #expect(lee4.digest == one.digest)
    // The first n examples only: a longer stream does not change the original-SNIP mask.
    let longer = try Pruner.computeMask(
      .originalSNIP(sparsity: 0.7, batchSize: 12), network: model,
      data: byFour + [TinyNetworks.batch(count: 4, seed: 99)])
    #expect(longer.digest == one.digest)
    #expect(longer.examples == 12)
  }

  @Test func tooFewExamplesIsAnError() throws {
    let model = try TinyNetworks.convNet(seed: 16)
    #expect(throws: PruningError.self) {
      try Pruner.computeMask(
        .originalSNIP(sparsity: 0.5, batchSize: 100), network: model, data: PrunerTests.data)
    }
  }
}
