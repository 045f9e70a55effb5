/// ReLU on flat buffers. Written as straight loops over unsafe pointers so the compiler
/// vectorizes them (AVX-512 max/blend); the layout does not matter.
public enum Activation {
  /// y = max(x, 0). `x` and `y` may be the same buffer (in-place).
  @inline(__always)
  public static func reluForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    for i in 0..<count { y[i] = max(x[i], 0) }
  }

  /// dx = dy where y > 0, else 0. Uses the output `y` (y > 0 exactly when x > 0), so the
  /// forward may run in place. `dy` and `dx` may be the same buffer.
  @inline(__always)
  public static func reluBackward(
    _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
  }
}

/// Small vector loops used by layers and optimizers.
public enum VectorOps {
  /// y[n, j] += b[j] for a row-major `(rows, cols)` matrix.
  @inline(__always)
  public static func addRowBias(
    _ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, cols: Int
  ) {
    for r in 0..<rows {
      let row = y + r * cols
      for j in 0..<cols { row[j] += b[j] }
    }
  }

  /// db[j] (+)= sum over rows of dy[n, j]. Overwrites unless `accumulate`.
  @inline(__always)
  public static func sumRows(
    _ dy: UnsafePointer<Float>, _ db: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
    accumulate: Bool
  ) {
    if !accumulate { db.update(repeating: 0, count: cols) }
    for r in 0..<rows {
      let row = dy + r * cols
      for j in 0..<cols { db[j] += row[j] }
    }
  }

  /// y[i] += x[i].
  @inline(__always)
  public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)
  {
    for i in 0..<count { y[i] += x[i] }
  }
}
