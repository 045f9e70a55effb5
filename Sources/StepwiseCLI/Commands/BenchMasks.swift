import Datasets
import Foundation
import Network
import Primitives
import Pruning
import WorkloadModel

/// The masks `stepwise bench --mask` prunes with, one per sparsity, all at init seed 0.
enum BenchMasks {
  /// Every parameter kept with probability 1 - sparsity: the same expected sparsity in every
  /// tensor (weights and biases).
  static func random(count: Int, sparsity: Double) -> [Float] {
    var rng = SplitMix64(seed: 12345)
    return (0..<count).map { _ in rng.nextOpenUnit() < sparsity ? Float(0) : 1 }
  }

  /// Lee et al.'s SNIP (the whole training split, weights and biases, global) on the MNIST or
  /// Fashion-MNIST files in `directory`, so each layer gets the density SNIP gives it.
  /// `examples`: score on the first this many training examples only (nil: all of them).
  static func snip(
    _ description: ModelDescription, directory: String, sparsities: [Double], threads: Int,
    examples: Int? = nil
  ) throws -> [[Float]] {
    let name: DatasetName = directory.lowercased().contains("fashion") ? .fashionMNIST : .mnist
    let spec = DatasetSpec(
      name: name, directory: Located(directory),
      validation: ValidationSplit(holdout: 6000, seed: 0), normalization: .global)
    let data = try PreparedDataset(spec: spec)
    let batch = 1000
    let model = try Model(description, maxBatch: batch, threads: threads)
    model.initialize(seed: 0)
    let set = data.train
    let count = min(set.count, examples ?? set.count)
    let batches = stride(from: 0, to: count, by: batch).lazy.map { start in
      let end = min(count, start + batch)
      return PruningBatch(
        images: Array(set.pixels[(start * set.imageSize)..<(end * set.imageSize)]),
        labels: set.labels[start..<end].map(Int.init),
        imageShape: (set.channels, set.height, set.width))
    }
    return try Pruner.computeMasks(
      .leeSNIP(sparsity: sparsities.first ?? 0), sparsities: sparsities,
      network: ModelPruningNetwork(model: model), data: batches
    ).map(\.mask)
  }
}
