/// ReLU on flat buffers, 8 lanes at a time (AVX2 compare and blend); the layout does not matter.
/// Each lane computes exactly what the scalar tail does (`max(x, 0)` keeps NaN, `-0` becomes 0).
public enum Activation {
  /// y = max(x, 0). `x` and `y` may be the same buffer (in-place). Split across the calling
  /// thread's OpenMP threads (`KernelThreads.parallelFor`; each element written by one thread).
  public static func reluForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    KernelThreads.parallelFor(count, minimumPerThread: parallelGrain) { range in
      var i = range.lowerBound
      while i + 8 <= range.upperBound {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(
          of: v.replacing(with: 0, where: v .<= 0), as: SIMD8<Float>.self)
        i += 8
      }
      while i < range.upperBound {
        y[i] = max(x[i], 0)
        i += 1
      }
    }
  }

  /// Elements below which splitting across threads costs more than it saves (a parallel region
  /// costs a few microseconds; 32K floats take about as long on one core).
  static let parallelGrain = 32768

  /// dx = dy where y > 0, else 0. Uses the output `y` (y > 0 exactly when x > 0), so the
  /// forward may run in place. `dy` and `dx` may be the same buffer.
  public static func reluBackward(
    _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    // Explicit 8-wide selects: the scalar loop compiled to a data-dependent branch per element
    // (the buffers may alias, so it was not vectorized), mispredicted half the time on ReLU
    // masks: ~5 ns per element, the largest non-convolution cost of a ResNet-8 step.
    KernelThreads.parallelFor(count, minimumPerThread: parallelGrain) { range in
      var i = range.lowerBound
      while i + 8 <= range.upperBound {
        let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dx + i).storeBytes(
          of: g.replacing(with: 0, where: .!(yv .> 0)), as: SIMD8<Float>.self)
        i += 8
      }
      while i < range.upperBound {
        dx[i] = y[i] > 0 ? dy[i] : 0
        i += 1
      }
    }
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
