/// The unbounded stream of training examples: every epoch is a fresh permutation of the training
/// split, batches take the next examples in order and may run across an epoch boundary, and no
/// example repeats within an epoch.
///
/// Algorithm (Lee et al.'s `get_generator('unlimited', 'train', shuffle=True)`): at the start of
/// each epoch, `order = [0, 1, ..., n-1]` is shuffled with NumPy's legacy `shuffle` driven by one
/// MT19937 seeded with the data seed at the start of the run; epoch e's order is therefore the
/// (e+1)-th shuffle of a fresh `RandomState(dataSeed)`. (Lee et al.'s generator shares its
/// `RandomState` with the split and with a logging stream, so their exact order also depends on
/// the batch size; Stepwise gives the stream its own generator so the order is the same for every
/// batch size and worker count.)
///
/// `state` captures (epoch, position, generator state at the epoch's start); `restore` rebuilds
/// the same order from it, so a checkpoint resumes the exact stream.
public struct BatchStream: Sendable {
  /// Where the stream is. Positions index the training split's order.
  public struct State: Hashable, Sendable, Codable {
    /// Epochs started so far minus one (0 during the first epoch).
    public var epoch: Int
    /// The next example's index into the current epoch's order.
    public var position: Int
    /// The generator before the current epoch's shuffle.
    public var generatorAtEpochStart: MT19937.State

    public init(epoch: Int, position: Int, generatorAtEpochStart: MT19937.State) {
      self.epoch = epoch
      self.position = position
      self.generatorAtEpochStart = generatorAtEpochStart
    }
  }

  public let count: Int
  private var generator: MT19937
  private var generatorAtEpochStart: MT19937
  private var order: [Int32]
  private var epoch = 0
  private var position = 0

  /// A stream over `count` examples whose order derives from `seed` alone.
  public init(count: Int, seed: UInt64) {
    precondition(count > 0, "a stream needs at least one example")
    self.count = count
    generator = MT19937(seed: seed)
    generatorAtEpochStart = generator
    order = Array(0..<Int32(count))
    generator.shuffle(&order)
  }

  public var state: State {
    State(
      epoch: epoch, position: position, generatorAtEpochStart: generatorAtEpochStart.state)
  }

  /// Jumps to `state` (taken from a stream over the same count).
  public mutating func restore(_ state: State) {
    generator = MT19937(state: state.generatorAtEpochStart)
    generatorAtEpochStart = generator
    reshuffle()
    epoch = state.epoch
    position = state.position
  }

  /// Examples delivered so far, over all epochs.
  public var examplesSeen: Int { epoch * count + position }

  private mutating func reshuffle() {
    order.withUnsafeMutableBufferPointer { buffer in
      for i in 0..<buffer.count { buffer[i] = Int32(i) }
      generator.shuffle(buffer)
    }
  }

  /// The next `indices.count` training-split indices; no allocation.
  public mutating func next(into indices: UnsafeMutableBufferPointer<Int32>) {
    for k in 0..<indices.count {
      if position == count {
        generatorAtEpochStart = generator
        reshuffle()
        epoch += 1
        position = 0
      }
      indices[k] = order[position]
      position += 1
    }
  }

  /// The next `batch` examples of `set` gathered into `images` (room for
  /// `batch * set.imageSize` floats, NCHW) and `labels`; `scratch` holds the indices. No
  /// allocation.
  public mutating func next(
    _ batch: Int, from set: ImageSet, images: UnsafeMutablePointer<Float>,
    labels: UnsafeMutablePointer<Int32>, scratch: UnsafeMutableBufferPointer<Int32>
  ) {
    precondition(scratch.count >= batch && set.count == count)
    let indices = UnsafeMutableBufferPointer(rebasing: scratch[0..<batch])
    next(into: indices)
    let size = set.imageSize
    set.pixels.withUnsafeBufferPointer { pixels in
      guard let source = pixels.baseAddress else { return }
      set.labels.withUnsafeBufferPointer { setLabels in
        for (k, index) in indices.enumerated() {
          let i = Int(index)
          (images + k * size).update(from: source + i * size, count: size)
          labels[k] = setLabels[i]
        }
      }
    }
  }
}
