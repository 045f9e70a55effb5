import Kernels

/// Softmax cross-entropy on logits `(N, K)` with Int32 labels in `0..<K`: the loss of Lee et al.
/// (`tf.nn.sparse_softmax_cross_entropy_with_logits`, averaged) and PyTorch's `F.cross_entropy`.
public struct SoftmaxCrossEntropy {
  public let classes: Int

  public init(classes: Int) { self.classes = classes }

  /// Forward only: the summed loss over the rows and the number of correct arg-maxes.
  public func forward(
    logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int
  ) -> (lossSum: Double, correct: Int) {
    SoftmaxCrossEntropyKernel.run(
      logits: logits, labels: labels, rows: batch, classes: classes, gradient: nil,
      gradientScale: 0)
  }

  /// Forward and backward together: `dLogits` `(N, K)` = (softmax - onehot) / `denominator`,
  /// the gradient of (sum of the batch's losses) / denominator.
  public func forwardBackward(
    logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int,
    dLogits: UnsafeMutablePointer<Float>, denominator: Int, temperature: Float = 1
  ) -> (lossSum: Double, correct: Int) {
    SoftmaxCrossEntropyKernel.run(
      logits: logits, labels: labels, rows: batch, classes: classes, gradient: dLogits,
      gradientScale: 1 / Float(denominator), temperature: temperature)
  }
}
