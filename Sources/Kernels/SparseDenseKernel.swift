internal import CSparseKernels

/// A fully connected layer `y = x W^T + b` (W `(out, in)`) whose weights are pruned by a fixed
/// mask, computed only at the kept weights (`CSparseKernels`). Activations are transposed to
/// feature-major rows of the batch (padded to a multiple of 8 examples with zeros), so every
/// kept weight is one broadcast times contiguous vectors of examples: forward and the input
/// gradient scatter along rows, the weight gradient at a kept (j, i) is the dot product of two
/// rows (a sampled product). Forward and weight gradient run in parallel over output units,
/// the input gradient over blocks of examples: each output has one writer, in a fixed order.
public final class SparseDenseKernel {
  public let inputs: Int
  public let outputs: Int
  public let maxBatch: Int
  public var keptCount: Int { rows.count }
  let rows: SparseRows
  let xt: AlignedFloats
  let yt: AlignedFloats
  let dxt: AlignedFloats

  /// `mask` `(outputs, inputs)`, nonzero = kept.
  public init(inputs: Int, outputs: Int, maxBatch: Int, mask: UnsafePointer<Float>) {
    self.inputs = inputs
    self.outputs = outputs
    self.maxBatch = maxBatch
    rows = SparseRows(rows: outputs, perRow: inputs, mask: mask) { $0 }
    let lanes = Self.lanes(maxBatch)
    xt = AlignedFloats(inputs * lanes)
    yt = AlignedFloats(outputs * lanes)
    dxt = AlignedFloats(inputs * lanes)
  }

  static func lanes(_ batch: Int) -> Int { (batch + 7) / 8 * 8 }

  /// `a` `(batch, cols)` into `b` `(cols, lanes)`, the lanes beyond `batch` zeroed.
  private func transposeIn(
    _ a: UnsafePointer<Float>, batch: Int, cols: Int, into b: UnsafeMutablePointer<Float>
  ) {
    let lanes = Self.lanes(batch)
    KernelThreads.parallelFor((batch + 7) / 8, minimumPerThread: 4) { blocks in
      sw_transpose(
        a, Int32(cols), Int32(cols), b, Int32(lanes), Int32(blocks.lowerBound * 8),
        Int32(min(blocks.upperBound * 8, batch)))
    }
    if lanes > batch {
      for c in 0..<cols { (b + c * lanes + batch).update(repeating: 0, count: lanes - batch) }
    }
  }

  /// y `(batch, out)` = x `(batch, in)` W^T + bias.
  public func forward(
    x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, batch: Int
  ) {
    precondition(batch <= maxBatch, "batch \(batch) above \(maxBatch)")
    let lanes = Self.lanes(batch)
    let (xt, yt, rows) = (self.xt.pointer, self.yt.pointer, self.rows)
    transposeIn(x, batch: batch, cols: inputs, into: xt)
    let ranges = rows.balancedRanges(min(KernelThreads.current, outputs))
    KernelThreads.parallelFor(ranges.count) { parts in
      for p in parts where !ranges[p].isEmpty {
        sw_dense_forward(
          rows.c, weights, bias, xt, yt, Int32(lanes), Int32(ranges[p].lowerBound),
          Int32(ranges[p].upperBound))
      }
    }
    sw_transpose(yt, Int32(lanes), Int32(batch), y, Int32(outputs), 0, Int32(outputs))
  }

  /// Gradients of the batch of the last `forward`: `diffWeights` `(out, in)` overwritten (kept
  /// entries get the batch sums, pruned ones zero), `diffBias` `(out)` unless nil, `dx`
  /// `(batch, in)` unless nil.
  public func backward(
    dy: UnsafePointer<Float>, weights: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
    diffWeights: UnsafeMutablePointer<Float>, diffBias: UnsafeMutablePointer<Float>?,
    batch: Int
  ) {
    let lanes = Self.lanes(batch)
    let (xt, dyt, dxt, rows) = (self.xt.pointer, self.yt.pointer, self.dxt.pointer, self.rows)
    transposeIn(dy, batch: batch, cols: outputs, into: dyt)
    if let diffBias { VectorOps.sumRows(dy, diffBias, rows: batch, cols: outputs, accumulate: false) }
    diffWeights.update(repeating: 0, count: inputs * outputs)
    let ranges = rows.balancedRanges(min(KernelThreads.current, outputs))
    KernelThreads.parallelFor(ranges.count) { parts in
      for p in parts where !ranges[p].isEmpty {
        sw_dense_backward_weights(
          rows.c, xt, dyt, Int32(lanes), diffWeights, Int32(ranges[p].lowerBound),
          Int32(ranges[p].upperBound))
      }
    }
    guard let dx else { return }
    // Lane blocks of 16 (64 bytes), so two threads never share a cache line of dxt.
    let (inputs, outputs) = (self.inputs, self.outputs)
    KernelThreads.parallelFor((lanes + 15) / 16) { blocks in
      sw_dense_backward_data(
        rows.c, Int32(outputs), Int32(inputs), weights, dyt, dxt, Int32(lanes),
        Int32(blocks.lowerBound * 16), Int32(min(blocks.upperBound * 16, lanes)))
    }
    KernelThreads.parallelFor((inputs + 7) / 8, minimumPerThread: 4) { blocks in
      sw_transpose(
        dxt, Int32(lanes), Int32(batch), dx, Int32(inputs), Int32(blocks.lowerBound * 8),
        Int32(min(blocks.upperBound * 8, inputs)))
    }
  }
}
