import Primitives
import Pruning
import Testing

/// Mask bookkeeping and the data-free methods on a small network.
@Suite struct PrunerTests {
  static let data = [TinyNetworks.batch(count: 8, seed: 9), TinyNetworks.batch(count: 8, seed: 10)]

  @Test(arguments: PruningConfiguration.Method.allCases)
  func sparsityZeroIsAllOnesAndReadsNothing(method: PruningConfiguration.Method) throws {
    let model = try TinyNetworks.convNet(seed: 1)
    let configuration = PruningConfiguration(method: method, sparsity: 0)
    // The data would throw if read: its labels are outside the network's four classes.
    let poisoned = [
      PruningBatch(images: [Float](repeating: 0, count: 128), labels: [99], imageShape: (2, 8, 8))
    ]
    let result = try Pruner.computeMask(configuration, network: model, data: poisoned)
    #expect(result.mask.allSatisfy { $0 == 1 })
    #expect(result.seconds == 0)
    #expect(result.examples == 0)
    #expect(result.keptCount == model.parameterCount)
  }

  @Test(arguments: [
    (PruningConfiguration.Method.snip, PruningConfiguration.Scope.global),
    (.snip, .layerwise), (.magnitude, .global), (.magnitude, .layerwise), (.random, .global),
    (.random, .layerwise),
  ])
  func keepsExactlyKappa(method: PruningConfiguration.Method, scope: PruningConfiguration.Scope)
    throws
  {
    let model = try TinyNetworks.convNet(seed: 2)
    for prunable in PruningConfiguration.PrunableSet.allCases {
      let configuration = PruningConfiguration(
        method: method, prunable: prunable, scope: scope, sparsity: 0.8, seed: 5)
      let result = try Pruner.computeMask(configuration, network: model, data: Self.data)
      let prunableTensors = model.tensors.filter { $0.isPrunable(in: prunable) }
      let expected =
        scope == .global
        ? TopKSelection.keptCount(of: prunableTensors.reduce(0) { $0 + $1.count }, sparsity: 0.8)
        : prunableTensors.reduce(0) { $0 + TopKSelection.keptCount(of: $1.count, sparsity: 0.8) }
      #expect(result.keptCount == expected)
      let keptInPrunable = prunableTensors.reduce(0) { total, tensor in
        total + tensor.range.filter { result.mask[$0] == 1 }.count
      }
      #expect(keptInPrunable == expected)
      // Tensors outside the prunable set are untouched.
      for tensor in model.tensors where !tensor.isPrunable(in: prunable) {
        #expect(tensor.range.allSatisfy { result.mask[$0] == 1 })
      }
      #expect(result.layers.map(\.kept).reduce(0, +) == Int(result.mask.reduce(0, +)))
    }
  }

  /// One scoring pass for several sparsities gives, at each, the mask computed on its own.
  @Test(arguments: [
    (PruningConfiguration.Method.snip, PruningConfiguration.Scope.global),
    (.snip, .layerwise), (.magnitude, .global), (.random, .global), (.random, .layerwise),
    (.grasp, .global), (.grasp, .layerwise),
  ])
  func masksForSeveralSparsitiesEqualMasksComputedOneByOne(
    method: PruningConfiguration.Method, scope: PruningConfiguration.Scope
  ) throws {
    let model = try TinyNetworks.convNet(seed: 4)
    let grasp = method == .grasp
    let data = grasp ? [TinyNetworks.batch(count: 40, seed: 1)] : Self.data
    var configuration = PruningConfiguration(
      method: method, examples: grasp ? .perClass(3) : .all,
      prunable: grasp ? .weights : .weightsAndBiases, scope: scope, sparsity: 0, seed: 11,
      classCount: 4)
    let sparsities = [0.9, 0, 0.5, 0.75]
    let together = try Pruner.computeMasks(
      configuration, sparsities: sparsities, network: model, data: data)
    #expect(together.count == sparsities.count)
    for (sparsity, shared) in zip(sparsities, together) {
      configuration.sparsity = sparsity
      let alone = try Pruner.computeMask(configuration, network: model, data: data)
      #expect(shared.mask == alone.mask, "sparsity \(sparsity)")
      #expect(shared.keptCount == alone.keptCount)
      #expect(shared.configuration == alone.configuration)
    }
    // Different sparsities really give different masks, and only the first sparse one read data.
    #expect(together[0].mask != together[2].mask)
    #expect(together[2].examples == 0 && together[3].examples == 0)
  }

  @Test func magnitudeKeepsTheLargestWeights() throws {
    let model = try TinyNetworks.convNet(seed: 3)
    let configuration = PruningConfiguration(
      method: .magnitude, prunable: .weights, sparsity: 0.5)
    let result = try Pruner.computeMask(configuration, network: model, data: [])
    let weights = model.tensors.filter { $0.role == .weight }.flatMap { Array($0.range) }
    let smallestKept = weights.filter { result.mask[$0] == 1 }.map { abs(model.parameters[$0]) }
      .min()
    let largestPruned = weights.filter { result.mask[$0] == 0 }.map { abs(model.parameters[$0]) }
      .max()
    #expect(try #require(smallestKept) >= (try #require(largestPruned)))
  }

  @Test func randomIsSeededAndUniformInCount() throws {
    let model = try TinyNetworks.convNet(seed: 4)
    func mask(seed: UInt64) throws -> String {
      try Pruner.computeMask(
        PruningConfiguration(method: .random, sparsity: 0.6, seed: seed), network: model, data: []
      ).digest
    }
    #expect(try mask(seed: 7) == (try mask(seed: 7)))
    #expect(try mask(seed: 7) != (try mask(seed: 8)))
    // Each entry survives with probability 1 - s: over 400 seeds, every entry's survival rate
    // stays within 5 standard deviations of 0.4.
    var survivals = [Int](repeating: 0, count: model.parameterCount)
    for seed in 0..<400 {
      let result = try Pruner.computeMask(
        PruningConfiguration(method: .random, sparsity: 0.6, seed: UInt64(seed)), network: model,
        data: [])
      for index in result.mask.indices where result.mask[index] == 1 { survivals[index] += 1 }
    }
    let sigma = (400 * 0.4 * 0.6).squareRoot()
    #expect(survivals.allSatisfy { abs(Double($0) - 160) < 5 * sigma })
  }

  @Test func rejectsSparsityOutsideTheUnitInterval() throws {
    let model = try TinyNetworks.convNet(seed: 1)
    #expect(throws: PruningError.invalidSparsity(1.5)) {
      try Pruner.computeMask(
        PruningConfiguration(method: .magnitude, sparsity: 1.5), network: model, data: [])
    }
  }

  @Test func digestIsFNV1aOfTheMaskBytes() {
    var hash = FNV1a()
    for byte: UInt8 in [1, 0, 1] { hash.combine(byte) }
    let result = PruningResult(
      configuration: PruningConfiguration(method: .random, sparsity: 0.5), mask: [1, 0, 1],
      keptCount: 2, prunableCount: 3, layers: [], examples: 0, seconds: 0)
    #expect(result.digest == hash.hex)
    // The FNV-1a reference value of the empty input.
    #expect(FNV1a().hex == "cbf29ce484222325")
  }
}
