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
          c[i * n + j] += dot(aRow, b + j * k, count: k)
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

  /// The dot product of two contiguous vectors. One running sum would chain every addition on
  /// the previous one (strict floating point forbids reordering it), so eight partial sums in two
  /// SIMD registers run side by side; the convolution backward's dot products over a 32x32 plane
  /// were most of ResNet-8's H g time before.
  @_optimize(speed)
  static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int) -> Double {
    let (rx, ry) = (UnsafeRawPointer(x), UnsafeRawPointer(y))
    let width = MemoryLayout<SIMD4<Double>>.stride
    var low = SIMD4<Double>()
    var high = SIMD4<Double>()
    var index = 0
    while index + 8 <= count {
      let offset = index * MemoryLayout<Double>.stride
      low += rx.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
        * ry.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
      high += rx.loadUnaligned(fromByteOffset: offset + width, as: SIMD4<Double>.self)
        * ry.loadUnaligned(fromByteOffset: offset + width, as: SIMD4<Double>.self)
      index += 8
    }
    var sum = (low + high).sum()
    while index < count {
      sum += x[index] * y[index]
      index += 1
    }
    return sum
  }

  /// Unfolds one image (`channels x height x width`) into columns (`channels*kh*kw x oh*ow`), with
  /// zeros where the window overhangs the image (the padding, before or after).
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
            let ih = oh * g.stride + kh - g.padTop
            for ow in 0..<g.outWidth {
              let iw = ow * g.stride + kw - g.padLeft
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
            let ih = oh * g.stride + kh - g.padTop
            if ih < 0 || ih >= g.inHeight { continue }
            for ow in 0..<g.outWidth {
              let iw = ow * g.stride + kw - g.padLeft
              if iw < 0 || iw >= g.inWidth { continue }
              image[(c * g.inHeight + ih) * g.inWidth + iw] += row[oh * g.outWidth + ow]
            }
          }
        }
      }
    }
  }
}

/// Sizes of one convolution over one image. Only the top/left padding is stored: the output size
/// fixes how far the windows run past the bottom/right edge.
struct ConvolutionGeometry: Hashable, Sendable {
  var inChannels: Int
  var inHeight: Int
  var inWidth: Int
  var outChannels: Int
  var kernelHeight: Int
  var kernelWidth: Int
  var stride: Int
  var padTop: Int
  var padLeft: Int
  var outHeight: Int
  var outWidth: Int

  /// Rows of the unfolded input: one per weight of one output channel.
  var patchSize: Int { inChannels * kernelHeight * kernelWidth }
}
