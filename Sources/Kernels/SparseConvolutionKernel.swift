internal import CSparseKernels

/// A convolution whose weights are pruned by a fixed mask, computed only at the kept weights
/// (`CSparseKernels`): forward, input gradient (skipped when not asked for) and the weight
/// gradient at kept positions only (a sampled product, never a dense one then a gather).
///
/// Layout: the kept weights of each output channel in a compressed row, each with the offset of
/// its input window in a "prepared" copy of the example (zero-padded, split into stride phases
/// so that every entry reads contiguous rows). Output tiles of up to 8 rows x 8 columns stay in
/// registers over all of a channel's kept weights; examples run in parallel forward and for the
/// input gradient, output channels (split by kept count) for the weight gradient, so each output
/// is written by one thread in a fixed order: the same bits for any thread count.
///
/// Built once per mask; `forward` keeps the prepared inputs for `backward`. Nothing is allocated
/// per call except per-thread scratch the first time a larger thread count is seen.
public final class SparseConvolutionKernel {
  /// The geometry; `batch` is the largest batch.
  public let geometry: ConvGeometry
  /// Kept weights.
  public var keptCount: Int { rows.count }
  var shape: sw_conv_shape
  let rows: SparseRows
  let prepared: AlignedFloats
  let partial: AlignedFloats
  private var scratch: [AlignedFloats] = []
  /// Stride 1 where the input is not much larger than the output (SAME padding): the input
  /// gradient as a forward convolution of dy with the flipped, transposed kernel
  /// (`transposedShape`, rows per input channel), accumulated in registers. Scattering into the
  /// input gradient instead stalls on store forwarding (neighbouring taps write overlapping
  /// unaligned vectors), about 3x per multiply-add on the AVX2 machine; but the transposed form
  /// also multiplies the zeros around dy, so a VALID convolution on small planes (Simple-CNN's
  /// conv2: 12x12 from 8x8) scatters. Nil there and for other strides.
  private var transposedShape: sw_conv_shape?
  private let transposedRows: SparseRows?

  /// `mask` `(O, I, kH, kW)`, nonzero = kept.
  public init(_ g: ConvGeometry, mask: UnsafePointer<Float>) {
    geometry = g
    let (sh, sw) = (g.strideHeight, g.strideWidth)
    let paddedHeight = g.inHeight + g.padTop + g.padBottom
    let paddedWidth = g.inWidth + g.padLeft + g.padRight
    // Room for every 8-column strip (the last one rounded up) at every kernel column.
    let phaseWidth = max(
      (paddedWidth + sw - 1) / sw, (g.outWidth + 7) / 8 * 8 + (g.kernelWidth - 1) / sw)
    let phaseHeight = max((paddedHeight + sh - 1) / sh, g.outHeight + (g.kernelHeight - 1) / sh)
    let perExample = sh * sw * g.inChannels * phaseHeight * phaseWidth + 8
    shape = sw_conv_shape(
      inChannels: Int32(g.inChannels), inHeight: Int32(g.inHeight), inWidth: Int32(g.inWidth),
      outChannels: Int32(g.outChannels), outHeight: Int32(g.outHeight),
      outWidth: Int32(g.outWidth), kernelHeight: Int32(g.kernelHeight),
      kernelWidth: Int32(g.kernelWidth), strideHeight: Int32(sh), strideWidth: Int32(sw),
      padTop: Int32(g.padTop), padLeft: Int32(g.padLeft), phaseHeight: Int32(phaseHeight),
      phaseWidth: Int32(phaseWidth), preparedCount: Int64(perExample))
    let (kh, kw) = (g.kernelHeight, g.kernelWidth)
    // Taps listed by kernel column first: neighbouring entries then never write vectors that
    // overlap unaligned (taps one column apart), which would stall the input-gradient scatter
    // on store forwarding; entries one row apart overlap exactly, which forwards.
    let byColumn = (0..<(g.inChannels * kh * kw)).sorted {
      ($0 % kw, $0) < ($1 % kw, $1)
    }
    rows = SparseRows(
      rows: g.outChannels, perRow: g.inChannels * kh * kw, mask: mask,
      inputOffset: { k in
        let (c, rest) = k.quotientAndRemainder(dividingBy: kh * kw)
        let (i, j) = rest.quotientAndRemainder(dividingBy: kw)
        let phase = (i % sh) * sw + j % sw
        return ((phase * g.inChannels + c) * phaseHeight + i / sh) * phaseWidth + j / sw
      }, order: byColumn)
    prepared = AlignedFloats(max(g.batch, 1) * perExample)
    partial = AlignedFloats(8 * rows.count)
    let transposedWork = g.inHeight * ((g.inWidth + 7) / 8 * 8)
    let scatterWork = g.outHeight * ((g.outWidth + 7) / 8 * 8)
    if sh == 1 && sw == 1 && transposedWork < 2 * scatterWork {
      let (shape, rows) = Self.transposed(g, mask: mask)
      transposedShape = shape
      transposedRows = rows
    } else {
      transposedShape = nil
      transposedRows = nil
    }
  }

  /// dx = conv(dy padded by k-1-pad, W flipped and transposed), stride 1: in channels O, out
  /// channels I, output exactly H x W.
  private static func transposed(
    _ g: ConvGeometry, mask: UnsafePointer<Float>
  ) -> (sw_conv_shape, SparseRows) {
    let (kh, kw) = (g.kernelHeight, g.kernelWidth)
    let (top, left) = (kh - 1 - g.padTop, kw - 1 - g.padLeft)
    let paddedHeight = g.outHeight + top + (kh - 1 - g.padBottom)
    let paddedWidth = g.outWidth + left + (kw - 1 - g.padRight)
    let phaseWidth = max(paddedWidth, (g.inWidth + 7) / 8 * 8 + kw - 1)
    let phaseHeight = max(paddedHeight, g.inHeight + kh - 1)
    let shape = sw_conv_shape(
      inChannels: Int32(g.outChannels), inHeight: Int32(g.outHeight), inWidth: Int32(g.outWidth),
      outChannels: Int32(g.inChannels), outHeight: Int32(g.inHeight), outWidth: Int32(g.inWidth),
      kernelHeight: Int32(kh), kernelWidth: Int32(kw), strideHeight: 1, strideWidth: 1,
      padTop: Int32(top), padLeft: Int32(left), phaseHeight: Int32(phaseHeight),
      phaseWidth: Int32(phaseWidth),
      preparedCount: Int64(g.outChannels * phaseHeight * phaseWidth + 8))
    // Row c, entry (o, i, j) reads dy[o] at tap (i, j) with the weight W[o, c, kh-1-i, kw-1-j].
    let rows = SparseRows(
      rows: g.inChannels, perRow: g.outChannels * kh * kw, mask: mask,
      inputOffset: { k in
        let (o, rest) = k.quotientAndRemainder(dividingBy: kh * kw)
        let (i, j) = rest.quotientAndRemainder(dividingBy: kw)
        return (o * phaseHeight + i) * phaseWidth + j
      },
      source: { c, k in
        let (o, rest) = k.quotientAndRemainder(dividingBy: kh * kw)
        let (i, j) = rest.quotientAndRemainder(dividingBy: kw)
        return ((o * g.inChannels + c) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)
      })
    return (shape, rows)
  }

  /// dst `(N, O, Ho, Wo)` = conv(src, weights) + bias, relu'd if `relu`; `batch` at most
  /// `geometry.batch`.
  public func forward(
    src: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    dst: UnsafeMutablePointer<Float>, batch: Int, relu: Bool = false
  ) {
    precondition(batch <= geometry.batch, "batch \(batch) above \(geometry.batch)")
    let (rows, prepared) = (self.rows.c, self.prepared.pointer)
    withUnsafePointer(to: &shape) { s in
      KernelThreads.parallelFor(batch) { range in
        let (first, end) = (Int32(range.lowerBound), Int32(range.upperBound))
        sw_conv_prepare(s, src, prepared, first, end)
        sw_conv_forward(s, rows, prepared, weights, bias, dst, relu ? 1 : 0, first, end)
      }
    }
  }

  /// Gradients of the batch of the last `forward`: `diffWeights` `(O, I, kH, kW)` is overwritten
  /// (kept entries get the batch sums, pruned ones zero), `diffBias` `(O)` likewise unless nil,
  /// `diffSrc` `(N, I, H, W)` is written unless nil.
  public func backward(
    weights: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
    diffSrc: UnsafeMutablePointer<Float>?, diffWeights: UnsafeMutablePointer<Float>,
    diffBias: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    precondition(batch <= geometry.batch, "batch \(batch) above \(geometry.batch)")
    let g = geometry
    diffWeights.update(
      repeating: 0, count: g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth)
    let (rows, prepared, partial) = (self.rows, self.prepared.pointer, self.partial.pointer)
    let ranges = rows.balancedRanges(min(KernelThreads.current, g.outChannels))
    StepProfiler.measure("sparse conv weights") {
    withUnsafePointer(to: &shape) { s in
      KernelThreads.parallelFor(ranges.count) { parts in
        for p in parts where !ranges[p].isEmpty {
          sw_conv_backward_weights(
            s, rows.c, prepared, diffDst, Int32(batch), diffWeights, diffBias, partial,
            Int32(ranges[p].lowerBound), Int32(ranges[p].upperBound))
        }
      }
    }
    }
    guard let diffSrc else { return }
    let parts = max(1, min(KernelThreads.current, batch))
    let scratchCount = Int(transposedShape?.preparedCount ?? shape.preparedCount)
    while scratch.count < parts { scratch.append(AlignedFloats(scratchCount)) }
    let buffers = scratch.map(\.pointer)
    if var t = transposedShape, let tRows = transposedRows {
      let (dyCount, dxCount) = (
        g.outChannels * g.outHeight * g.outWidth, g.inChannels * g.inHeight * g.inWidth
      )
      StepProfiler.measure("sparse conv data") {
        withUnsafePointer(to: &t) { s in
          KernelThreads.parallelParts(batch) { part, range in
            // One example at a time through this thread's scratch (its padding stays zero).
            for n in range {
              sw_conv_prepare(s, diffDst + n * dyCount, buffers[part], 0, 1)
              sw_conv_forward(
                s, tRows.c, buffers[part], weights, nil, diffSrc + n * dxCount, 0, 0, 1)
            }
          }
        }
      }
      return
    }
    StepProfiler.measure("sparse conv data") {
    withUnsafePointer(to: &shape) { s in
      KernelThreads.parallelParts(batch) { part, range in
        sw_conv_backward_data(
          s, rows.c, weights, diffDst, diffSrc, buffers[part], Int32(range.lowerBound),
          Int32(range.upperBound))
      }
    }
    }
  }
}
