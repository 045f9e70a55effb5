import Collectives
import Datasets
import Network
import Primitives

/// The gradients the probes need, computed data-parallel as training computes its own: each rank
/// takes a contiguous shard of the examples, computes its shard's summed loss gradient over the
/// total count, and the all-reduce *sum* over ranks is the mean gradient, in
/// `model.store.gradients` on every rank. The model's micro-batching bounds memory whatever the
/// count.
///
/// Every rank must make the same calls in the same order (they are collectives). A rank whose
/// forward or backward pass fails tells the others through a small all-reduce, so all of them
/// throw together instead of one waiting forever.
final class ProbeGradients {
  let model: Model
  let comm: any Communicator
  let train: ImageSet
  private let images: UnsafeMutablePointer<Float>
  private let labels: UnsafeMutablePointer<Int32>
  private let capacity: Int
  private let small: UnsafeMutablePointer<Float>
  private let drawn: UnsafeMutableBufferPointer<Int32>

  /// `largestBatch`: the largest noise-scale batch (0 without one), which sizes the gather buffers.
  init(model: Model, comm: any Communicator, train: ImageSet, largestBatch: Int) {
    self.model = model
    self.comm = comm
    self.train = train
    capacity = max(1, (largestBatch + comm.size - 1) / comm.size)
    images = .allocate(capacity: capacity * train.imageSize)
    labels = .allocate(capacity: capacity)
    small = .allocate(capacity: model.store.count)
    drawn = .allocate(capacity: max(1, largestBatch))
  }

  deinit {
    images.deallocate()
    labels.deallocate()
    small.deallocate()
    drawn.deallocate()
  }

  /// The kept entries of the store (nil when the model is dense).
  var mask: UnsafePointer<Float>? {
    model.store.isMasked ? UnsafePointer(model.store.masks) : nil
  }

  /// The mean-loss gradient over the first `examples` examples of the training split (stored
  /// order) at the current parameters, in `model.store.gradients` (returned).
  func fullSplit(examples: Int) throws -> UnsafePointer<Float> {
    let n = min(examples, train.count)
    let part = (comm.rank * n / comm.size)..<((comm.rank + 1) * n / comm.size)
    let size = train.imageSize
    let failed = train.pixels.withUnsafeBufferPointer { pixels in
      train.labels.withUnsafeBufferPointer { setLabels in
        guard let x = pixels.baseAddress, let y = setLabels.baseAddress else { return true }
        do {
          _ = try model.trainStep(
            input: x + part.lowerBound * size, labels: y + part.lowerBound, count: part.count,
            gradientDenominator: n)
          return false
        } catch {
          return true
        }
      }
    }
    try reduce(failed: failed)
    return UnsafePointer(model.store.gradients)
  }

  /// One noise-scale draw: `big` example indices drawn independently and uniformly (with
  /// replacement, so E|G_B|^2 = |G|^2 + tr(Sigma)/B holds exactly) from `generator`; the small
  /// batch is the first `small` of them. Adds the draw's two squared norms to `accumulator`.
  func noiseDraw(
    small smallBatch: Int, big bigBatch: Int, generator: inout SplitMix64,
    into accumulator: inout NoiseScaleAccumulator
  ) throws {
    for k in 0..<bigBatch { drawn[k] = Int32(generator.nextIndex(below: train.count)) }
    let store = model.store
    let count = store.count
    let rest = bigBatch - smallBatch
    // The small batch's mean gradient, kept aside.
    try shardGradient(positions: 0..<smallBatch, denominator: smallBatch)
    small.update(from: store.gradients, count: count)
    // The rest's mean gradient; the big batch's mean is the size-weighted mean of the two.
    try shardGradient(positions: smallBatch..<bigBatch, denominator: rest)
    let g = store.gradients
    let ws = Float(Double(smallBatch) / Double(bigBatch))
    let wr = Float(Double(rest) / Double(bigBatch))
    for i in 0..<count { g[i] = ws * small[i] + wr * g[i] }
    accumulator.add(small: small, big: g, mask: mask, count: count)
  }

  /// The mean gradient of the drawn examples at `positions` (all ranks), this rank taking its
  /// contiguous share.
  private func shardGradient(positions: Range<Int>, denominator: Int) throws {
    let total = positions.count
    let lo = positions.lowerBound + comm.rank * total / comm.size
    let hi = positions.lowerBound + (comm.rank + 1) * total / comm.size
    let size = train.imageSize
    train.pixels.withUnsafeBufferPointer { pixels in
      train.labels.withUnsafeBufferPointer { setLabels in
        guard let x = pixels.baseAddress, let y = setLabels.baseAddress else { return }
        for (k, position) in (lo..<hi).enumerated() {
          let i = Int(drawn[position])
          (images + k * size).update(from: x + i * size, count: size)
          labels[k] = y[i]
        }
      }
    }
    var failed = false
    do {
      _ = try model.trainStep(
        input: images, labels: labels, count: hi - lo, gradientDenominator: denominator)
    } catch {
      failed = true
    }
    try reduce(failed: failed)
  }

  /// All-reduces the gradient buffer, after agreeing that every rank computed its part.
  private func reduce(failed: Bool) throws {
    var flag = [failed ? 1.0 : 0.0]
    try comm.allReduceSum(&flag)
    if flag[0] > 0 { throw TrialFailure("a worker's gradient pass failed during a probe") }
    let store = model.store
    if comm.size > 1 {
      try comm.allReduceSum(UnsafeMutableBufferPointer(start: store.gradients, count: store.count))
    }
  }
}
