import Kernels

/// Global average pool: `(N, C, H, W)` -> `(N, C)`, the mean of each channel's plane.
public final class GlobalAvgPool: Layer {
  public let inputShape: TensorShape
  public var outputShape: TensorShape { TensorShape(channels: inputShape.channels) }

  public init(input: TensorShape) { self.inputShape = input }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int) {
    Pooling.globalAverageForward(
      x, y, planes: batch * inputShape.channels, size: inputShape.height * inputShape.width)
  }

  /// dx[n, c, h, w] = dy[n, c] / (H * W).
  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) {
    guard let dx else { return }
    Pooling.globalAverageBackward(
      dy, dx, planes: batch * inputShape.channels, size: inputShape.height * inputShape.width)
  }
}
