internal import CSparseKernels

/// The 2x2 stride-2 max pool with a ReLU (relu(max) = max(relu)) on plain NCHW planes of even
/// size, vectorised in `CSparseKernels` (8 outputs per step, AVX2 or baseline): the sparse
/// path's pooling. Backward recomputes each window's first maximum (row-major) from the
/// pre-pool activation instead of storing an arg-max, as `ConvReLUMaxPoolKernel` does, and
/// sends the gradient only where that maximum is positive; `Pooling.maxForward` and
/// `maxBackward` with `relu` compute the same.
public enum PairMaxPool {
  /// Whether a pool of `window`/`stride` on `height x width` planes is this one.
  public static func applies(window: Int, stride: Int, height: Int, width: Int) -> Bool {
    window == 2 && stride == 2 && height % 2 == 0 && width % 2 == 0
  }

  /// y `(planes, H/2, W/2)` = relu(maxpool(x)); planes split across threads.
  public static func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, height: Int,
    width: Int
  ) {
    let (plane, pooled) = (height * width, height * width / 4)
    KernelThreads.parallelFor(planes, minimumPerThread: 8) { r in
      sw_maxpool2_forward(
        x + r.lowerBound * plane, y + r.lowerBound * pooled, Int32(r.count), Int32(height),
        Int32(width))
    }
  }

  /// dx `(planes, H, W)` from dy `(planes, H/2, W/2)` and the forward input x.
  public static func backward(
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    planes: Int, height: Int, width: Int
  ) {
    let (plane, pooled) = (height * width, height * width / 4)
    KernelThreads.parallelFor(planes, minimumPerThread: 8) { r in
      sw_maxpool2_backward(
        x + r.lowerBound * plane, dy + r.lowerBound * pooled, dx + r.lowerBound * plane,
        Int32(r.count), Int32(height), Int32(width))
    }
  }
}
