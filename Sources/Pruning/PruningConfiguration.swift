/// How to build one pruning mask: the method, the data it scores on, which parameters may be
/// pruned, and how many survive.
///
/// Mirrors `WorkloadModel.PruningSpec` plus the sparsity and seed of one plan node; Pruning sits
/// below Planning, so the Training module maps one to the other.
public struct PruningConfiguration: Hashable, Sendable, Codable {
  /// Which method scores the parameters.
  public enum Method: String, Hashable, Sendable, Codable, CaseIterable {
    /// Connection sensitivity |w * dL/dw| (Lee, Ajanthan and Torr, ICLR 2019).
    case snip
    /// Gradient signal preservation: score -w * (H g) (Wang, Zhang and Grosse, ICLR 2020).
    case grasp
    /// Uniformly at random over the prunable set, with an exact survivor count.
    case random
    /// Largest |w| at initialisation.
    case magnitude
  }

  /// Which parameters may be pruned. The rest keep mask 1 and do not count towards sparsity.
  public enum PrunableSet: String, Hashable, Sendable, Codable, CaseIterable {
    /// The weights of convolution and dense layers (GraSP's official choice).
    case weights
    /// Weights and biases (both official SNIP codes). Biases start at zero, so their SNIP
    /// saliency is exactly zero and any sparsity that keeps fewer entries than there are
    /// non-zero saliencies prunes every bias.
    case weightsAndBiases
  }

  /// Whether survivors are chosen over all prunable tensors together or tensor by tensor.
  public enum Scope: String, Hashable, Sendable, Codable, CaseIterable {
    /// One ranking over the concatenated prunable entries (both official codes).
    case global
    /// Each tensor keeps its own share, so no layer can be emptied.
    case layerwise
  }

  /// The data a scored method reads from the batches it is given.
  public enum Examples: Hashable, Sendable, Codable {
    /// Every batch the data yields; gradients of each batch's mean loss are summed
    /// (Lee et al. 2021: the 54,000-image split in batches of 100).
    case all
    /// The gradient of the mean loss over the first `n` examples (the original SNIP code: one
    /// minibatch of `n`).
    case count(Int)
    /// The first `n` examples of each class, in class order, split into two halves whose
    /// gradients are summed (GraSP's `GraSP_fetch_data` and `samples_per_class`).
    case perClass(Int)
  }

  /// How GraSP forms H g.
  public enum HessianProduct: Hashable, Sendable, Codable {
    /// The network's exact product (`HessianVectorNetwork`), as PyTorch's double backward.
    case exact
    /// A central difference of gradients along g with step relativeStep * |theta| / |g|; works
    /// on any `PruningNetwork` but is unreliable on ReLU and max-pool networks (see
    /// `FiniteDifferenceHessian`).
    case finiteDifference(relativeStep: Double)
  }

  public var method: Method
  public var examples: Examples
  public var prunable: PrunableSet
  public var scope: Scope
  /// Logits are divided by this before the cross-entropy (GraSP: 200; SNIP: 1).
  public var temperature: Double
  /// Fraction of the prunable set to remove, in [0, 1).
  public var sparsity: Double
  /// Seeds the random method; ignored by the others.
  public var seed: UInt64
  /// Number of classes, for `Examples.perClass`.
  public var classCount: Int
  /// GraSP only.
  public var hessianProduct: HessianProduct

  public init(
    method: Method, examples: Examples = .all, prunable: PrunableSet = .weightsAndBiases,
    scope: Scope = .global, temperature: Double? = nil, sparsity: Double, seed: UInt64 = 0,
    classCount: Int = 10, hessianProduct: HessianProduct = .exact
  ) {
    self.method = method
    self.examples = examples
    self.prunable = prunable
    self.scope = scope
    self.temperature = temperature ?? (method == .grasp ? 200 : 1)
    self.sparsity = sparsity
    self.seed = seed
    self.classCount = classCount
    self.hessianProduct = hessianProduct
  }

  /// Lee et al.'s SNIP: the whole split in the caller's batches, weights and biases, global.
  public static func leeSNIP(sparsity: Double) -> Self {
    Self(method: .snip, examples: .all, prunable: .weightsAndBiases, sparsity: sparsity)
  }

  /// The original SNIP code: one minibatch of `batchSize`, weights and biases, global.
  public static func originalSNIP(sparsity: Double, batchSize: Int) -> Self {
    Self(method: .snip, examples: .count(batchSize), prunable: .weightsAndBiases, sparsity: sparsity)
  }

  /// The official GraSP code: weights only, T = 200, `samplesPerClass` per class (CIFAR configs:
  /// 10; the function's default: 25), global.
  public static func officialGraSP(sparsity: Double, samplesPerClass: Int = 10) -> Self {
    Self(
      method: .grasp, examples: .perClass(samplesPerClass), prunable: .weights, temperature: 200,
      sparsity: sparsity)
  }
}
