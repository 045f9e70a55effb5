import Kernels

/// y = max(x, 0), elementwise; may run in place. Backward uses the output: dx = dy * [y > 0].
public final class ReLU: Layer {
  public let inputShape: TensorShape
  public var outputShape: TensorShape { inputShape }
  public var canRunInPlace: Bool { true }

  public init(input: TensorShape) { self.inputShape = input }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int) {
    Activation.reluForward(x, y, count: batch * inputShape.count)
  }

  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) {
    guard let dx else { return }
    Activation.reluBackward(y, dy, dx, count: batch * inputShape.count)
  }
}
