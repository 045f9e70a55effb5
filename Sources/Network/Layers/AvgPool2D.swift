import Kernels

/// Average pooling with VALID windows: `(N, C, H, W)` -> `(N, C, (H-k)/s+1, (W-k)/s+1)`.
/// (TensorFlow's SAME equals VALID when the window equals the stride and divides the size, the
/// only case Lee et al.'s ResNet uses.)
public final class AvgPool2D: Layer {
  public let inputShape: TensorShape
  public let outputShape: TensorShape
  public let window: Int
  public let stride: Int

  public init(input: TensorShape, window: Int, stride: Int) {
    self.inputShape = input
    self.window = window
    self.stride = stride
    outputShape = input.pooled(window: window, stride: stride)
  }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int) {
    Pooling.averageForward(
      x, y, planes: batch * inputShape.channels, height: inputShape.height,
      width: inputShape.width, window: window, stride: stride)
  }

  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) {
    guard let dx else { return }
    Pooling.averageBackward(
      dy, dx, planes: batch * inputShape.channels, height: inputShape.height,
      width: inputShape.width, window: window, stride: stride)
  }
}
