/// Which pruning-at-initialisation method builds the masks.
public enum PruningMethod: String, Hashable, Sendable, Codable, CaseIterable {
  /// Connection sensitivity |w * dL/dw| (Lee et al. 2019).
  case snip
  /// Gradient signal preservation, score -w * (H g) (Wang et al. 2020).
  case grasp
  /// Uniform at random over the prunable set, seeded.
  case random
  /// Global |w| at initialisation.
  case magnitude
  /// Dense only; sparsities other than 0 are an error.
  case none
}

/// Which parameters may be pruned.
public enum PrunableSet: String, Hashable, Sendable, Codable, CaseIterable {
  case weights
  /// Lee et al.'s choice; biases start at zero, so SNIP scores them zero and prunes them all.
  case weightsAndBiases = "weights-and-biases"
}

/// Whether the top-k is taken over all prunable tensors together or per tensor.
public enum PruningScope: String, Hashable, Sendable, Codable, CaseIterable {
  case global
  case layerwise
}

/// The data a pruning method scores on.
public enum PruningExamples: Hashable, Sendable, Codable {
  /// The whole training split, in batches (Lee et al.'s SNIP).
  case all(batchSize: Int)
  /// The first n examples of the training stream (the original SNIP code: one minibatch).
  case count(Int)
  /// n examples of each class (GraSP's `samples_per_class`).
  case perClass(Int)
}

public struct PruningSpec: Hashable, Sendable, Codable {
  public var method: PruningMethod
  public var examples: PruningExamples
  public var prunable: PrunableSet
  public var scope: PruningScope
  /// GraSP's softmax temperature (official code: 200); nil for other methods.
  public var temperature: Double?

  public init(
    method: PruningMethod, examples: PruningExamples = .all(batchSize: 100),
    prunable: PrunableSet = .weightsAndBiases, scope: PruningScope = .global,
    temperature: Double? = nil
  ) {
    self.method = method
    self.examples = examples
    self.prunable = prunable
    self.scope = scope
    self.temperature = temperature
  }
}

/// The quasi-random sequence whose point i is trial i's metaparameters.
public enum SequenceSpec: Hashable, Sendable, Codable {
  /// Unscrambled Sobol (Joe-Kuo direction numbers); `skip` leading points are dropped
  /// (Lee et al. drop the all-zero point: skip 1).
  case sobol(skip: Int)
  /// Halton with a seeded random digit permutation.
  case scrambledHalton(seed: Int)
}

/// The grid: every (optimizer, batch size, sparsity) cell gets `trials` trials.
public struct StudySpec: Hashable, Sendable, Codable {
  /// In the order written; no duplicates.
  public var batchSizes: [Located<Int>]
  /// Fractions in [0, 1), in the order written; no duplicates.
  public var sparsities: [Located<Double>]
  public var pruning: PruningSpec
  public var trials: Int
  public var sequence: SequenceSpec
  /// Seeds the initialisation and the data order; trial i's init seed derives from (seed, i), so
  /// trial i has the same weights and mask at every batch size (Lee et al.'s paired design).
  public var seed: Int

  public init(
    batchSizes: [Located<Int>], sparsities: [Located<Double>], pruning: PruningSpec, trials: Int,
    sequence: SequenceSpec = .sobol(skip: 1), seed: Int = 0
  ) {
    self.batchSizes = batchSizes
    self.sparsities = sparsities
    self.pruning = pruning
    self.trials = trials
    self.sequence = sequence
    self.seed = seed
  }
}
