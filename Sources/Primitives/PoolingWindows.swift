/// The windows of a pooling without padding over NCHW planes, in output order: the one walk that
/// the fast pooling kernels, their reference and the pruning engine's exact pooling share, so
/// that forward and backward cannot disagree about which inputs a window covers.
public enum PoolingWindows {
  /// `visit(out, plane, corner)` for output (p, i, j) of `planes` planes of `outHeight x
  /// outWidth`: its flat output index, the offset of input plane p (`p * inPlane`) and the offset
  /// within that plane of the window's top-left input, `i * stride * width + j * stride`.
  @inlinable @inline(__always)
  public static func forEach(
    planes: Int, inPlane: Int, width: Int, outHeight: Int, outWidth: Int, stride: Int,
    _ visit: (_ out: Int, _ plane: Int, _ corner: Int) -> Void
  ) {
    for p in 0..<planes {
      for i in 0..<outHeight {
        for j in 0..<outWidth {
          visit((p * outHeight + i) * outWidth + j, p * inPlane, i * stride * width + j * stride)
        }
      }
    }
  }

  /// The same for VALID windows over `height x width` planes: `(size - window) / stride + 1`
  /// outputs along each side.
  @inlinable @inline(__always)
  public static func forEach(
    planes: Int, height: Int, width: Int, window: Int, stride: Int,
    _ visit: (_ out: Int, _ plane: Int, _ corner: Int) -> Void
  ) {
    forEach(
      planes: planes, inPlane: height * width, width: width,
      outHeight: (height - window) / stride + 1, outWidth: (width - window) / stride + 1,
      stride: stride, visit)
  }
}
