import Kernels

/// A tensor a layer declares; the model assigns it a slice of the `ParameterStore`.
public struct ParameterDeclaration: Hashable, Sendable {
  public var name: String
  public var shape: [Int]
  public var kind: ParameterKind
  public var fanIn: Int
  public var fanOut: Int
}

/// Pointers to one declared tensor in the store: its values, its gradient and its 0/1 mask.
public struct ParameterBinding {
  public var value: UnsafeMutablePointer<Float>
  public var gradient: UnsafeMutablePointer<Float>
  public var mask: UnsafePointer<Float>?

  public init(
    value: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>,
    mask: UnsafePointer<Float>? = nil
  ) {
    self.value = value
    self.gradient = gradient
    self.mask = mask
  }
}

/// One differentiable layer on NCHW batches, forward and backward side by side.
///
/// Contract: `forward` reads `x` `(N, inputShape)` and writes `y` `(N, outputShape)`.
/// `backward` is called after `forward` on the same `x` (and `y` still holding its output) and
/// (1) writes the parameter gradients of the batch into the bound gradient slices, summed over
/// the batch (`accumulate` adds instead of overwriting), (2) writes `dx` unless it is `nil`.
/// The loss layer decides the scale (see `Model.trainStep`). Layers are used by one thread at a
/// time; all buffers are made in `reserve` or on the first call at a new batch size.
public protocol Layer: AnyObject {
  var inputShape: TensorShape { get }
  var outputShape: TensorShape { get }
  /// Tensors to place in the store, in order (weight before bias).
  var parameterDeclarations: [ParameterDeclaration] { get }
  /// True if `forward` may be given `y == x` and `backward` `dx == dy` (ReLU, Flatten).
  var canRunInPlace: Bool { get }
  /// Multiply-adds per example of the forward pass (convolutions and dense layers only).
  var macsPerExample: Int { get }

  /// Receives one binding per declaration, in order.
  func bind(_ bindings: [ParameterBinding])
  /// Allocates workspace for batches up to `maxBatch`.
  func reserve(maxBatch: Int, context: DNNLContext) throws
  func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int) throws
  func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool) throws
}

extension Layer {
  public var parameterDeclarations: [ParameterDeclaration] { [] }
  public var canRunInPlace: Bool { false }
  public var macsPerExample: Int { 0 }
  public func bind(_ bindings: [ParameterBinding]) {}
  public func reserve(maxBatch: Int, context: DNNLContext) throws {}
}

/// A layer asked to work on a batch larger than it reserved.
public struct BatchTooLargeError: Error, CustomStringConvertible {
  public var batch: Int
  public var maxBatch: Int
  public var description: String { "batch \(batch) exceeds the reserved maximum \(maxBatch)" }
}
