/// `(N, C, H, W)` -> `(N, C*H*W)` in NCHW order (PyTorch's `torch.flatten(x, 1)`). The memory
/// does not change, so in place it costs nothing; otherwise it copies.
public final class Flatten: Layer {
  public let inputShape: TensorShape
  public var outputShape: TensorShape { TensorShape(channels: inputShape.count) }
  public var canRunInPlace: Bool { true }

  public init(input: TensorShape) { self.inputShape = input }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int) {
    if UnsafePointer(y) != x { y.update(from: x, count: batch * inputShape.count) }
  }

  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) {
    guard let dx, UnsafePointer(dx) != dy else { return }
    dx.update(from: dy, count: batch * inputShape.count)
  }
}
