/// What a scored pruning method needs from a network: where its parameters live and the
/// gradient of a batch's mean loss.
///
/// Network's models conform through an adapter in the trainer or in this module; tests conform
/// small reference networks, so every method can be checked without the fast kernels.
public protocol PruningNetwork {
  /// The parameter tensors in flat-buffer order; their ranges tile `0..<parameterCount`.
  var tensors: [ParameterTensor] { get }

  /// The parameters to score (the initialisation), flat.
  var parameters: [Float] { get }

  /// Adds `scale` times the gradient, with respect to every parameter, of the mean over `batch`
  /// of the softmax cross-entropy of `logits / temperature`, evaluated at `parameters`, into
  /// `gradient` (length `parameterCount`). Returns the mean loss.
  ///
  /// Accumulating in `Double` keeps a sum over hundreds of batches (Lee et al.'s SNIP) from
  /// losing the small batches' contributions.
  func accumulateGradient(
    at parameters: [Float], batch: PruningBatch, temperature: Double, scale: Double,
    into gradient: inout [Double]
  ) throws -> Double
}

/// A network that can also form an exact Hessian-vector product of a batch's mean loss.
///
/// GraSP needs H g. A finite difference of gradients is unreliable on ReLU and max-pool networks
/// at initialisation (see `FiniteDifferenceHessian`), so networks that can should provide the
/// exact product.
public protocol HessianVectorNetwork: PruningNetwork {
  /// Adds `scale` times H v into `product`, where H is the Hessian with respect to all parameters
  /// of the same mean loss as `accumulateGradient`, at `parameters`, with the activation pattern
  /// (ReLU gates, max-pool winners) of `parameters`.
  func accumulateHessianVectorProduct(
    at parameters: [Float], direction: [Double], batch: PruningBatch, temperature: Double,
    scale: Double, into product: inout [Double]
  ) throws
}

extension PruningNetwork {
  /// Total number of parameters.
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }
}
