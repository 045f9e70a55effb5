/// Computes a pruning mask at initialisation.
///
/// The trainer builds the network at its init seed, wraps it as a `PruningNetwork`, passes its
/// training split as a sequence of batches in its own order, and copies `PruningResult.mask` into
/// the parameter store's mask buffer before the first step. Nothing here depends on the training
/// batch size, so one mask serves every batch size of a study.
public enum Pruner {
  /// The mask for `configuration` on `network`'s current parameters.
  ///
  /// Sparsity 0 returns an all-ones mask without reading `data` (cost 0 seconds). SNIP streams
  /// `data`; GraSP holds its sample in memory; random and magnitude never read it.
  public static func computeMask(
    _ configuration: PruningConfiguration, network: some PruningNetwork,
    data: some Sequence<PruningBatch>
  ) throws -> PruningResult {
    let sparsity = configuration.sparsity
    guard sparsity >= 0, sparsity <= 1, sparsity.isFinite else {
      throw PruningError.invalidSparsity(sparsity)
    }
    let tensors = network.tensors
    let prunable = tensors.filter { $0.isPrunable(in: configuration.prunable) }
    if sparsity == 0 {
      return result(
        configuration, tensors: tensors, kept: prunable.flatMap { Array($0.range) },
        examples: 0, seconds: 0)
    }
    let clock = ContinuousClock()
    let start = clock.now
    let (kept, examples) = try survivors(
      configuration, network: network, prunable: prunable, data: data)
    let elapsed = clock.now - start
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return result(configuration, tensors: tensors, kept: kept, examples: examples, seconds: seconds)
  }

  /// The flat indices that survive, and the number of examples read.
  private static func survivors(
    _ configuration: PruningConfiguration, network: some PruningNetwork,
    prunable: [ParameterTensor], data: some Sequence<PruningBatch>
  ) throws -> ([Int], Int) {
    let sparsity = configuration.sparsity
    let groups: [[Int]] =
      switch configuration.scope {
      case .global: [prunable.flatMap { Array($0.range) }]
      case .layerwise: prunable.map { Array($0.range) }
      }
    switch configuration.method {
    case .random:
      var generator = SplitMix64(seed: configuration.seed)
      let kept = groups.flatMap { group in
        RandomSelection.choose(
          TopKSelection.keptCount(of: group.count, sparsity: sparsity), from: group,
          using: &generator)
      }
      return (kept, 0)
    case .magnitude:
      let scores = network.parameters.map { Double(abs($0)) }
      return (topK(groups, scores: scores, sparsity: sparsity), 0)
    case .snip:
      let (scores, examples) = try SaliencyScores.snip(
        configuration, network: network, prunable: prunable, data: data)
      return (topK(groups, scores: scores, sparsity: sparsity), examples)
    case .grasp:
      let (scores, examples) = try SaliencyScores.grasp(
        configuration, network: network, prunable: prunable, data: data)
      let kept = groups.flatMap { group in
        TopKSelection.keepingAtMostKthLargest(
          removing: TopKSelection.removedCount(of: group.count, sparsity: sparsity), of: scores,
          among: group)
      }
      return (kept, examples)
    }
  }

  private static func topK(_ groups: [[Int]], scores: [Double], sparsity: Double) -> [Int] {
    groups.flatMap { group in
      TopKSelection.largest(
        TopKSelection.keptCount(of: group.count, sparsity: sparsity), of: scores, among: group)
    }
  }

  private static func result(
    _ configuration: PruningConfiguration, tensors: [ParameterTensor], kept: [Int],
    examples: Int, seconds: Double
  ) -> PruningResult {
    let count = tensors.reduce(0) { $0 + $1.count }
    var mask = [Float](repeating: 1, count: count)
    var prunableCount = 0
    for tensor in tensors where tensor.isPrunable(in: configuration.prunable) {
      for index in tensor.range { mask[index] = 0 }
      prunableCount += tensor.count
    }
    for index in kept { mask[index] = 1 }
    let layers = tensors.map { tensor in
      LayerDensity(
        name: tensor.name, role: tensor.role,
        prunable: tensor.isPrunable(in: configuration.prunable), total: tensor.count,
        kept: tensor.range.reduce(0) { $0 + (mask[$1] == 0 ? 0 : 1) })
    }
    return PruningResult(
      configuration: configuration, mask: mask, keptCount: kept.count,
      prunableCount: prunableCount, layers: layers, examples: examples, seconds: seconds)
  }
}
