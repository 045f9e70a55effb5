import Kernels

/// Max pooling with VALID windows: `(N, C, H, W)` -> `(N, C, (H-k)/s+1, (W-k)/s+1)`. Forward
/// records each window's arg-max (first on ties) in `argmax`, which backward scatters dy to.
public final class MaxPool2D: Layer {
  public let inputShape: TensorShape
  public let outputShape: TensorShape
  public let window: Int
  public let stride: Int
  /// True when this layer also applies the ReLU before it: relu then max-pool is computed as
  /// max-pool then relu (equal, since ReLU is monotonic), on a 4x smaller tensor. `Model` fuses
  /// `relu, maxPool` pairs this way; the reference model does not, so tests check the identity.
  public let fusedReLU: Bool
  /// Flat index within the input plane of each output's maximum, `(N, C, Ho, Wo)`.
  private var argmax = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)

  public init(input: TensorShape, window: Int, stride: Int, fusedReLU: Bool = false) {
    self.inputShape = input
    self.window = window
    self.stride = stride
    self.fusedReLU = fusedReLU
    outputShape = input.pooled(window: window, stride: stride)
  }

  deinit { argmax.deallocate() }

  public func reserve(maxBatch: Int, context: DNNLContext) {
    argmax.deallocate()
    argmax = .allocate(capacity: maxBatch * outputShape.count)
    argmax.initialize(repeating: 0)
  }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int)
    throws
  {
    guard let a = argmax.baseAddress, batch * outputShape.count <= argmax.count else {
      throw BatchTooLargeError(batch: batch, maxBatch: argmax.count / max(outputShape.count, 1))
    }
    Pooling.maxForward(
      x, y, argmax: a, planes: batch * inputShape.channels, height: inputShape.height,
      width: inputShape.width, window: window, stride: stride, relu: fusedReLU)
  }

  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) {
    guard let dx, let a = argmax.baseAddress else { return }
    Pooling.maxBackward(
      dy, argmax: a, dx, planes: batch * inputShape.channels, height: inputShape.height,
      width: inputShape.width, window: window, stride: stride, relu: fusedReLU ? y : nil)
  }
}
