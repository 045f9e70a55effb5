import Network
import Primitives

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
    try computeMasks(configuration, sparsities: [configuration.sparsity], network: network, data: data)[0]
  }

  /// The masks for `configuration` at each of `sparsities`, from one scoring pass.
  ///
  /// Scores depend on the init, the data and the method, never on the sparsity, so a study's
  /// sparsities for one init seed share one pass over the data (three sparsities of SNIP on the
  /// whole split cost one pass instead of three). Each result equals `computeMask` with that
  /// sparsity; the scoring time is charged to the first sparse result.
  public static func computeMasks(
    _ configuration: PruningConfiguration, sparsities: [Double], network: some PruningNetwork,
    data: some Sequence<PruningBatch>
  ) throws -> [PruningResult] {
    for sparsity in sparsities {
      guard sparsity >= 0, sparsity <= 1, sparsity.isFinite else {
        throw PruningError.invalidSparsity(sparsity)
      }
    }
    let tensors = network.tensors
    let prunable = tensors.filter { $0.isPrunable(in: configuration.prunable) }
    let groups: [[Int]] =
      switch configuration.scope {
      case .global: [prunable.flatMap { Array($0.range) }]
      case .layerwise: prunable.map { Array($0.range) }
      }
    let clock = ContinuousClock()
    var scored: (scores: [Double], examples: Int)?
    var results: [PruningResult] = []
    for sparsity in sparsities {
      var single = configuration
      single.sparsity = sparsity
      if sparsity == 0 {
        results.append(
          result(
            single, tensors: tensors, kept: prunable.flatMap { Array($0.range) }, examples: 0,
            seconds: 0))
        continue
      }
      let start = clock.now
      var examples = 0
      if scored == nil {
        scored = try scores(configuration, network: network, prunable: prunable, data: data)
        examples = scored?.examples ?? 0
      }
      let kept = select(single, groups: groups, scores: scored?.scores ?? [])
      let elapsed = clock.now - start
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      results.append(
        result(single, tensors: tensors, kept: kept, examples: examples, seconds: seconds))
    }
    return results
  }

  /// Every parameter's score (empty for random, which ranks nothing) and the examples read.
  private static func scores(
    _ configuration: PruningConfiguration, network: some PruningNetwork,
    prunable: [ParameterTensor], data: some Sequence<PruningBatch>
  ) throws -> ([Double], Int) {
    switch configuration.method {
    case .random:
      return ([], 0)
    case .magnitude:
      return (network.parameters.map { Double(abs($0)) }, 0)
    case .snip:
      return try SaliencyScores.snip(configuration, network: network, prunable: prunable, data: data)
    case .grasp:
      return try SaliencyScores.grasp(
        configuration, network: network, prunable: prunable, data: data)
    }
  }

  /// The flat indices that survive at `configuration.sparsity`.
  private static func select(
    _ configuration: PruningConfiguration, groups: [[Int]], scores: [Double]
  ) -> [Int] {
    let sparsity = configuration.sparsity
    switch configuration.method {
    case .random:
      // A fresh generator per sparsity: the same draw as a mask computed on its own.
      var generator = SplitMix64(seed: configuration.seed)
      return groups.flatMap { group in
        RandomSelection.choose(
          TopKSelection.keptCount(of: group.count, sparsity: sparsity), from: group,
          using: &generator)
      }
    case .magnitude, .snip:
      return topK(groups, scores: scores, sparsity: sparsity)
    case .grasp:
      return groups.flatMap { group in
        TopKSelection.keepingAtMostKthLargest(
          removing: TopKSelection.removedCount(of: group.count, sparsity: sparsity), of: scores,
          among: group)
      }
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
