/// The few dense loops the exact-curvature engine needs, in `Double`.
///
/// They are marked `@_optimize(speed)` so that debug builds (the test suite) run them at release
/// speed: GraSP scores a hundred images, and unoptimised loops would take minutes.
enum DenseMath {
  /// C = A B + beta C for row-major, contiguous matrices, where A is `m x k` (stored `k x m` when
  /// `transposeA`) and B is `k x n` (stored `n x k` when `transposeB`).
  @_optimize(speed)
  static func multiply(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
    a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double,
    c: UnsafeMutablePointer<Double>
  ) {
    if beta == 0 {
      c.update(repeating: 0, count: m * n)
    } else if beta != 1 {
      for index in 0..<(m * n) { c[index] *= beta }
    }
    if transposeB && !transposeA {
      // Rows of A and rows of B are both contiguous: dot products.
      for i in 0..<m {
        let aRow = a + i * k
        for j in 0..<n {
          let bRow = b + j * k
          var sum = 0.0
          for p in 0..<k { sum += aRow[p] * bRow[p] }
          c[i * n + j] += sum
        }
      }
      return
    }
    // The inner loop runs along contiguous rows of B and C, so it vectorises.
    for i in 0..<m {
      let row = c + i * n
      for p in 0..<k {
        let scale = transposeA ? a[p * m + i] : a[i * k + p]
        if scale == 0 { continue }
        if transposeB {
          for j in 0..<n { row[j] += scale * b[j * k + p] }
        } else {
          let bRow = b + p * n
          for j in 0..<n { row[j] += scale * bRow[j] }
        }
      }
    }
  }

  /// Unfolds one image (`channels x height x width`) into columns (`channels*kh*kw x oh*ow`), with
  /// zeros where the window overhangs the padding.
  @_optimize(speed)
  static func im2col(
    _ image: UnsafePointer<Double>, _ columns: UnsafeMutablePointer<Double>,
    geometry g: ConvolutionGeometry
  ) {
    let outPixels = g.outHeight * g.outWidth
    for c in 0..<g.inChannels {
      for kh in 0..<g.kernelHeight {
        for kw in 0..<g.kernelWidth {
          let row = columns + ((c * g.kernelHeight + kh) * g.kernelWidth + kw) * outPixels
          for oh in 0..<g.outHeight {
            let ih = oh * g.stride + kh - g.padding
            for ow in 0..<g.outWidth {
              let iw = ow * g.stride + kw - g.padding
              let inside = ih >= 0 && ih < g.inHeight && iw >= 0 && iw < g.inWidth
              row[oh * g.outWidth + ow] =
                inside ? image[(c * g.inHeight + ih) * g.inWidth + iw] : 0
            }
          }
        }
      }
    }
  }

  /// The adjoint of `im2col`: adds each column entry back into the image pixel it came from.
  @_optimize(speed)
  static func col2imAdding(
    _ columns: UnsafePointer<Double>, _ image: UnsafeMutablePointer<Double>,
    geometry g: ConvolutionGeometry
  ) {
    let outPixels = g.outHeight * g.outWidth
    for c in 0..<g.inChannels {
      for kh in 0..<g.kernelHeight {
        for kw in 0..<g.kernelWidth {
          let row = columns + ((c * g.kernelHeight + kh) * g.kernelWidth + kw) * outPixels
          for oh in 0..<g.outHeight {
            let ih = oh * g.stride + kh - g.padding
            if ih < 0 || ih >= g.inHeight { continue }
            for ow in 0..<g.outWidth {
              let iw = ow * g.stride + kw - g.padding
              if iw < 0 || iw >= g.inWidth { continue }
              image[(c * g.inHeight + ih) * g.inWidth + iw] += row[oh * g.outWidth + ow]
            }
          }
        }
      }
    }
  }
}

/// Sizes of one convolution over one image.
struct ConvolutionGeometry: Hashable, Sendable {
  var inChannels: Int
  var inHeight: Int
  var inWidth: Int
  var outChannels: Int
  var kernelHeight: Int
  var kernelWidth: Int
  var stride: Int
  var padding: Int

  var outHeight: Int { (inHeight + 2 * padding - kernelHeight) / stride + 1 }
  var outWidth: Int { (inWidth + 2 * padding - kernelWidth) / stride + 1 }
  /// Rows of the unfolded input: one per weight of one output channel.
  var patchSize: Int { inChannels * kernelHeight * kernelWidth }
}
