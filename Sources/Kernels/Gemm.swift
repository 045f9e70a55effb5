internal import CDNNL

/// Row-major single-precision matrix multiply on oneDNN's `dnnl_sgemm` (AVX-512 JIT; runs on the
/// same OpenMP pool as the convolutions, so the two never fight).
public enum Gemm {
  /// C = alpha * op(A) * op(B) + beta * C, row-major; op(A) is `m x k`, op(B) is `k x n`.
  /// `transA`/`transB` transpose the stored matrices; `lda`, `ldb`, `ldc` are row strides.
  @inline(__always)
  public static func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) throws {
    let status = dnnl_sgemm(
      transA ? 84 : 78, transB ? 84 : 78, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda),
      b, Int64(ldb), beta, c, Int64(ldc))
    try check(status, "dnnl_sgemm")
  }
}
