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
    if !transposeB {
      // A(i, p) = a[i * k + p], or a[p * m + i] when A is stored transposed.
      blockedMultiply(
        m: m, n: n, k: k, a: a, rowStride: transposeA ? 1 : k, columnStride: transposeA ? m : 1,
        b: b, c: c)
      return
    }
    // Both transposed (no caller today): a plain loop.
    for i in 0..<m {
      for p in 0..<k {
        let scale = a[p * m + i]
        for j in 0..<n { c[i * n + j] += scale * b[j * k + p] }
      }
    }
  }

  /// C += A B with B row-major `k x n` and A(i, p) = a[i rowStride + p columnStride], in 4x4
  /// blocks of C held in registers over the whole sum: each B load feeds four rows and each C
  /// entry is loaded and stored once, where a row-at-a-time loop loads and stores C for every p.
  /// Columns run in the outer loop, so a 4-wide panel of B stays in L1 across A's row blocks.
  /// The edges that do not fill a block take the plain loop.
  @_optimize(speed)
  private static func blockedMultiply(
    m: Int, n: Int, k: Int, a: UnsafePointer<Double>, rowStride: Int, columnStride: Int,
    b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>
  ) {
    let blockedRows = m - m % 4
    let blockedColumns = n - n % 4
    for j in stride(from: 0, to: blockedColumns, by: 4) {
      for i in stride(from: 0, to: blockedRows, by: 4) {
        let a0 = a + i * rowStride
        let (a1, a2, a3) = (a0 + rowStride, a0 + 2 * rowStride, a0 + 3 * rowStride)
        var c0 = SIMD4<Double>()
        var c1 = SIMD4<Double>()
        var c2 = SIMD4<Double>()
        var c3 = SIMD4<Double>()
        for p in 0..<k {
          let row = UnsafeRawPointer(b + p * n + j).loadUnaligned(as: SIMD4<Double>.self)
          let q = p * columnStride
          c0 += SIMD4(repeating: a0[q]) * row
          c1 += SIMD4(repeating: a1[q]) * row
          c2 += SIMD4(repeating: a2[q]) * row
          c3 += SIMD4(repeating: a3[q]) * row
        }
        func add(_ sum: SIMD4<Double>, toRow r: Int) {
          let target = c + (i + r) * n + j
          for t in 0..<4 { target[t] += sum[t] }
        }
        add(c0, toRow: 0)
        add(c1, toRow: 1)
        add(c2, toRow: 2)
        add(c3, toRow: 3)
      }
    }
    func plain(rows: Range<Int>, columns: Range<Int>) {
      guard !rows.isEmpty, !columns.isEmpty else { return }
      for i in rows {
        for p in 0..<k {
          let scale = a[i * rowStride + p * columnStride]
          let bRow = b + p * n
          for j in columns { c[i * n + j] += scale * bRow[j] }
        }
      }
    }
    plain(rows: blockedRows..<m, columns: 0..<n)
    plain(rows: 0..<blockedRows, columns: blockedColumns..<n)
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
      low +=
        rx.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
        * ry.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
      high +=
        rx.loadUnaligned(fromByteOffset: offset + width, as: SIMD4<Double>.self)
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
    for kw in 0..<g.kernelWidth {
      // Output columns whose input column kw + ow * stride - padLeft lies inside the image.
      let (first, end) = g.insideColumns(kw: kw)
      for c in 0..<g.inChannels {
        for kh in 0..<g.kernelHeight {
          let row = columns + ((c * g.kernelHeight + kh) * g.kernelWidth + kw) * outPixels
          for oh in 0..<g.outHeight {
            let target = row + oh * g.outWidth
            let ih = oh * g.stride + kh - g.padTop
            guard ih >= 0, ih < g.inHeight, first < end else {
              target.update(repeating: 0, count: g.outWidth)
              continue
            }
            let source = image + (c * g.inHeight + ih) * g.inWidth + kw - g.padLeft
            for ow in 0..<first { target[ow] = 0 }
            for ow in first..<end { target[ow] = source[ow * g.stride] }
            for ow in end..<g.outWidth { target[ow] = 0 }
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

  /// The output columns `first..<end` whose input column ow * stride + kw - padLeft is inside
  /// the image, for kernel column `kw` (empty when none is).
  func insideColumns(kw: Int) -> (first: Int, end: Int) {
    let offset = kw - padLeft
    // Smallest ow with ow * stride + offset >= 0, and one past the largest with < inWidth.
    let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let last = inWidth - 1 - offset
    let end = last < 0 ? 0 : min(outWidth, last / stride + 1)
    return (min(first, end), end)
  }
}
