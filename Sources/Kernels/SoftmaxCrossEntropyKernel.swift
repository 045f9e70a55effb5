#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Softmax cross-entropy over rows of logits `(N, K)` with integer labels.
public enum SoftmaxCrossEntropyKernel {
  /// Returns the summed loss and the number of rows whose arg-max (first on ties) is the label.
  /// If `gradient` is given it receives `(softmax(z) - onehot(y)) * gradientScale` `(N, K)`:
  /// with `gradientScale = 1 / B` that is the gradient of the mean loss over a batch of B.
  /// Labels outside `0..<K` are a programming error (the data layer validates them).
  /// `temperature` T divides the logits first (GraSP scores with T = 200): the loss is that of
  /// z / T and the gradient with respect to z gains a factor 1 / T.
  public static func run(
    logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
    gradient: UnsafeMutablePointer<Float>?, gradientScale: Float, temperature: Float = 1
  ) -> (lossSum: Double, correct: Int) {
    let invT = 1 / temperature
    var lossSum = 0.0
    var correct = 0
    for r in 0..<rows {
      let z = logits + r * classes
      let label = Int(labels[r])
      precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
      var best = z[0]
      var arg = 0
      for k in 1..<max(classes, 1) where z[k] > best {
        best = z[k]
        arg = k
      }
      if arg == label { correct += 1 }
      var sum: Float = 0
      for k in 0..<classes { sum += _exp((z[k] - best) * invT) }
      let logSum = logf(sum)
      lossSum += Double(logSum - (z[label] - best) * invT)
      if let gradient {
        let g = gradient + r * classes
        let scale = gradientScale * invT
        let inv = scale / sum
        for k in 0..<classes { g[k] = _exp((z[k] - best) * invT) * inv }
        g[label] -= scale
      }
    }
    return (lossSum, correct)
  }
}

@inline(__always)
func _exp(_ x: Float) -> Float { expf(x) }
