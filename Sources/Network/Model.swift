import Kernels
import Synchronization

/// A network built from a `ModelDescription`, its parameter store, and preallocated workspace.
///
/// One instance per worker; instances share nothing (each has its own oneDNN context, store and
/// buffers), so different workers may run on different threads at the same time. One instance
/// must not be used from two threads at once.
///
/// Batches larger than `maxBatch` are split into micro-batches of at most `maxBatch` whose
/// gradients are summed, so memory is bounded by `maxBatch` whatever the batch size.
///
/// `@unchecked Sendable` so that a worker can be handed its model across threads; the contract
/// above (one thread at a time) is the caller's to keep.
public final class Model: @unchecked Sendable {
  public let modelDescription: ModelDescription
  public let store: ParameterStore
  public let network: Sequential
  public let loss: SoftmaxCrossEntropy
  public let maxBatch: Int
  /// OpenMP threads for this model's kernels, set on the calling thread at every call
  /// (see `KernelThreads` for how this interacts with concurrent trials).
  public var threads: Int
  private let context: DNNLContext
  private let logitsBuffer: FloatBuffer
  private let dLogitsBuffer: FloatBuffer
  /// How `setMask` picks each prunable layer's kernel (`STEPWISE_SPARSE_KERNELS` by default).
  public var sparsePolicy = SparseKernelPolicy.fromEnvironment
  /// The path each prunable layer took at the last `setMask` (empty before one).
  public private(set) var layerPaths: [LayerPathChoice] = []
  /// The store's `maskGeneration` the sparse kernels were built for.
  private var kernelMaskGeneration = 0

  /// Builds the layers, lays out the store (parameters zero until `initialize`), and allocates
  /// the workspace for `maxBatch` examples.
  /// `fuseConvolutionBlocks`: build `conv2d, relu, maxPool` runs as one `ConvReLUMaxPool`
  /// (the default; the same function and parameters, faster). Off builds the three layers, as
  /// before, for comparisons.
  public init(
    _ description: ModelDescription, maxBatch: Int = 512, threads: Int = 1,
    fuseConvolutionBlocks: Bool = true
  ) throws {
    precondition(maxBatch > 0, "maxBatch must be positive")
    self.modelDescription = description
    self.maxBatch = maxBatch
    self.threads = threads
    var counters = LayerNameCounters()
    let layers = Model.build(
      description.layers, input: description.input, names: &counters,
      fuse: fuseConvolutionBlocks)
    network = Sequential(layers, input: description.input)
    precondition(
      network.outputShape.count == description.classes,
      "the last layer gives \(network.outputShape), expected \(description.classes) logits")
    loss = SoftmaxCrossEntropy(classes: description.classes)
    var slices: [ParameterSlice] = []
    var offset = 0
    for d in network.parameterDeclarations {
      let count = d.shape.reduce(1, *)
      slices.append(
        ParameterSlice(
          name: d.name, shape: d.shape, kind: d.kind, offset: offset, count: count,
          fanIn: d.fanIn, fanOut: d.fanOut))
      offset += count
    }
    let store = ParameterStore(slices: slices)
    self.store = store
    network.bind(
      slices.map {
        ParameterBinding(
          value: store.parameters + $0.offset, gradient: store.gradients + $0.offset,
          mask: UnsafePointer(store.masks + $0.offset))
      })
    context = try DNNLContext()
    KernelThreads.set(threads)
    try network.reserve(maxBatch: maxBatch, context: context)
    logitsBuffer = FloatBuffer(count: maxBatch * description.classes)
    dLogitsBuffer = FloatBuffer(count: maxBatch * description.classes)
  }

  /// Forward multiply-adds per example (convolutions and dense layers).
  public var macsPerExample: Int { network.macsPerExample }

  /// Activation and gradient workspace in bytes (excluding oneDNN's internal buffers).
  public var workspaceBytes: Int { network.workspaceBytes + 2 * logitsBuffer.count * 4 }

  /// Draws every weight from `initializer` and zeroes biases, gradients and momentum; the mask is
  /// reset to all ones. Deterministic in `seed` (see `VarianceScaling.fill`).
  public func initialize(seed: UInt64, initializer: VarianceScaling = .leeEtAl) {
    let ones = [Float](repeating: 1, count: store.count)
    ones.withUnsafeBufferPointer { store.setMask($0) }
    useDenseKernels()
    for (index, slice) in store.slices.enumerated() {
      let target = UnsafeMutableBufferPointer(
        start: store.parameters + slice.offset, count: slice.count)
      switch slice.kind {
      case .bias: target.update(repeating: 0)
      case .weight: initializer.fill(target, slice: slice, seed: seed, tensorIndex: index)
      }
    }
    store.zeroGradients()
    store.zeroVelocity()
  }

  /// Forward and backward on `count` examples: `input` `(count, C, H, W)` NCHW floats, `labels`
  /// `(count)` in `0..<classes`.
  ///
  /// Writes `store.gradients` = (sum over these examples of d loss_i / d params) /
  /// `gradientDenominator` (default `count`, i.e. the mean-loss gradient). In data-parallel
  /// training each worker passes the global batch size, so an all-reduce *sum* of the workers'
  /// gradient buffers is the global mean gradient. `accumulate` adds to the buffer instead of
  /// overwriting it. Returns the mean loss over these `count` examples and the number whose
  /// arg-max logit is the label. Allocation-free after the first call at a batch size.
  /// `temperature` divides the logits inside the loss (1 for training; GraSP scores use 200).
  public func trainStep(
    input: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count: Int,
    gradientDenominator: Int? = nil, accumulate: Bool = false, temperature: Float = 1
  ) throws -> (loss: Float, correct: Int) {
    KernelThreads.set(threads)
    checkKernelMask()
    let denominator = gradientDenominator ?? count
    let stride = modelDescription.input.count
    var lossSum = 0.0
    var correct = 0
    var start = 0
    var first = true
    if count == 0 && !accumulate { store.zeroGradients() }
    while start < count {
      let n = min(maxBatch, count - start)
      let x = input + start * stride
      try network.forward(x, logitsBuffer.pointer, batch: n)
      let r = StepProfiler.measure("loss") {
        loss.forwardBackward(
          logits: logitsBuffer.pointer, labels: labels + start, batch: n,
          dLogits: dLogitsBuffer.pointer, denominator: denominator, temperature: temperature)
      }
      lossSum += r.lossSum
      correct += r.correct
      try network.backward(
        x: x, y: logitsBuffer.pointer, dy: dLogitsBuffer.pointer, dx: nil, batch: n,
        accumulate: accumulate || !first)
      first = false
      start += n
    }
    return (Float(lossSum / Double(max(count, 1))), correct)
  }

  /// Forward only, in chunks of `maxBatch`: the summed loss and the number correct.
  public func evaluate(
    input: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count: Int
  ) throws -> (lossSum: Double, correct: Int) {
    var lossSum = 0.0
    var correct = 0
    let logits = logitsBuffer.pointer
    try forwardInChunks(input: input, count: count, logits: { _ in logits }) { start, n in
      let r = loss.forward(logits: logits, labels: labels + start, batch: n)
      lossSum += r.lossSum
      correct += r.correct
    }
    return (lossSum, correct)
  }

  /// Forward only: writes logits `(count, classes)` to `output`.
  public func logits(
    input: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>
  ) throws {
    let classes = modelDescription.classes
    try forwardInChunks(input: input, count: count, logits: { output + $0 * classes }) { _, _ in }
  }

  /// Forward passes on the evaluation paths over `count` examples, `maxBatch` at a time: the
  /// chunk from example `start` writes its logits to `logits(start)`, then `chunk(start, n)` runs.
  private func forwardInChunks(
    input: UnsafePointer<Float>, count: Int, logits: (Int) -> UnsafeMutablePointer<Float>,
    _ chunk: (_ start: Int, _ n: Int) -> Void
  ) throws {
    KernelThreads.set(threads)
    checkKernelMask()
    usePaths(evaluation: true)
    defer { usePaths(evaluation: false) }
    let stride = modelDescription.input.count
    var start = 0
    while start < count {
      let n = min(maxBatch, count - start)
      try network.forward(input + start * stride, logits(start), batch: n)
      chunk(start, n)
      start += n
    }
  }

  /// The convolutions' oneDNN implementations at a batch size, e.g. `conv2: jit:avx512_core`
  /// (benchmarks print these; `ref:any` would mean a slow reference path).
  public func convolutionImplementations(batch: Int) throws -> [String] {
    func visit(_ layers: [Layer]) throws -> [String] {
      try layers.flatMap { layer -> [String] in
        if let conv = layer as? Conv2D {
          return [
            "\(conv.name): " + (try conv.implementations(batch: batch)).joined(separator: " / ")
          ]
        }
        if let block = layer as? ConvReLUMaxPool {
          return [
            "\(block.convolution.name) (+relu+maxpool): "
              + (try block.implementations(batch: batch)).joined(separator: " / ")
          ]
        }
        if let residual = layer as? Residual { return try visit(residual.body.layers) }
        return []
      }
    }
    KernelThreads.set(threads)
    return try visit(network.layers)
  }

  // MARK: Sparse kernels

  /// Installs a pruning mask (`ParameterStore.setMask`) and chooses each prunable layer's
  /// kernel by `sparsePolicy`: the compressed forms are built here, once per mask. `rule` picks by
  /// the layer's kept fraction (`KernelRule`); `measured`
  /// times one forward and backward pass of each layer on both paths at `measureBatch`
  /// (default `maxBatch`; capped at it) and keeps the faster. Returns the choices
  /// (also in `layerPaths`).
  @discardableResult
  public func setMask(
    _ mask: UnsafeBufferPointer<Float>, measureBatch: Int? = nil
  ) throws -> [LayerPathChoice] {
    store.setMask(mask)
    KernelThreads.set(threads)
    useDenseKernels()
    kernelMaskGeneration = store.maskGeneration
    let batch = min(max(measureBatch ?? maxBatch, 1), maxBatch)
    var choices: [LayerPathChoice] = []
    for (layer, needsInputGradient) in prunableLayers() {
      let density = layer.weightDensity
      var choice = LayerPathChoice(
        layer: layer.layerName, density: density, path: .dense, batch: batch)
      if store.isMasked && density < 1 && sparsePolicy != .dense {
        layer.buildSparseKernel()
        if sparsePolicy == .sparse {
          layer.path = .sparse
        } else if sparsePolicy == .rule {
          let paths = KernelRule.paths(density: density, needsInputGradient: needsInputGradient)
          layer.path = paths.training
          choice.evaluationPath = paths.evaluation
        } else {
          // One measurement per layer shape, kept count, batch and thread count in a process,
          // so every trial of a cell takes the same path (the same bits on a rerun).
          let key =
            "\(layer.layerName) \(layer.inputShape) \(layer.outputShape) \(density) "
            + "\(batch) \(threads) \(needsInputGradient)"
          let timed = try Model.measuredPaths.withLock { $0[key] } ?? {
            let timed = try timePaths(layer, batch: batch, inputGradient: needsInputGradient)
            Model.measuredPaths.withLock { $0[key] = timed }
            return timed
          }()
          (choice.denseSeconds, choice.sparseSeconds) = (timed.dense, timed.sparse)
          layer.path = timed.sparse < timed.dense ? .sparse : .dense
          // Evaluation runs forward only: its own choice, on the forward timings.
          choice.evaluationPath =
            timed.sparseForward < timed.denseForward ? .sparse : .dense
        }
        choice.path = layer.path
        if sparsePolicy == .sparse { choice.evaluationPath = .sparse }
        if layer.path == .dense && choice.evaluationPath == .dense { layer.dropSparseKernel() }
      }
      choices.append(choice)
    }
    store.zeroGradients()
    layerPaths = choices
    return choices
  }

  /// Puts every prunable layer on its evaluation path (`true`) or its training path.
  private func usePaths(evaluation: Bool) {
    guard !layerPaths.isEmpty else { return }
    for ((layer, _), choice) in zip(prunableLayers(), layerPaths) {
      layer.path = evaluation ? choice.evaluationPath : choice.path
    }
  }

  /// Timings of `setMask`'s measurements in this process, by layer shape, density and batch.
  private static let measuredPaths = Mutex<
    [String: (dense: Double, sparse: Double, denseForward: Double, sparseForward: Double)]
  >([:])

  /// Every prunable layer in order, with whether its input gradient is ever needed (not for the
  /// network's first layer).
  private func prunableLayers() -> [(PrunableLayer, Bool)] {
    func visit(_ layers: [Layer], top: Bool) -> [(PrunableLayer, Bool)] {
      layers.enumerated().flatMap { (index, layer) -> [(PrunableLayer, Bool)] in
        if let prunable = layer as? PrunableLayer { return [(prunable, !(top && index == 0))] }
        if let residual = layer as? Residual { return visit(residual.body.layers, top: false) }
        return []
      }
    }
    return visit(network.layers, top: true)
  }

  /// All prunable layers back on the dense path (after `initialize`, or when the store's mask
  /// changed behind the model's back).
  private func useDenseKernels() {
    for (layer, _) in prunableLayers() { layer.dropSparseKernel() }
    layerPaths = []
    kernelMaskGeneration = store.maskGeneration
  }

  /// A mask installed with `store.setMask` directly (not `setMask`) leaves sparse kernels built
  /// for another mask: fall back to dense, which is right for any mask.
  private func checkKernelMask() {
    if kernelMaskGeneration != store.maskGeneration { useDenseKernels() }
  }

  /// Best of three interleaved timings of one forward and backward pass on each path, on
  /// fixed pseudo-random data of the layer's shapes (gradients land in the store, which
  /// `setMask` zeroes afterwards).
  private func timePaths(
    _ layer: PrunableLayer, batch: Int, inputGradient: Bool
  ) throws -> (dense: Double, sparse: Double, denseForward: Double, sparseForward: Double) {
    let (inCount, outCount) = (batch * layer.inputShape.count, batch * layer.outputShape.count)
    let x = FloatBuffer(count: inCount)
    let y = FloatBuffer(count: outCount)
    let dy = FloatBuffer(count: outCount)
    let dx = FloatBuffer(count: inputGradient ? inCount : 0)
    for i in 0..<inCount { x.pointer[i] = Float((i &* 7919) % 255) / 255 - 0.25 }
    for i in 0..<outCount { dy.pointer[i] = Float((i &* 104729) % 251) / 251 - 0.5 }
    let clock = ContinuousClock()
    func seconds(since start: ContinuousClock.Instant) -> Double {
      let (seconds, attoseconds) = (clock.now - start).components
      return Double(seconds) + Double(attoseconds) * 1e-18
    }
    /// (forward and backward, forward alone).
    func run(_ path: KernelPath) throws -> (Double, Double) {
      layer.path = path
      let start = clock.now
      try layer.forward(x.pointer, y.pointer, batch: batch)
      let forward = seconds(since: start)
      try layer.backward(
        x: x.pointer, y: y.pointer, dy: dy.pointer, dx: inputGradient ? dx.pointer : nil,
        batch: batch, accumulate: false)
      return (seconds(since: start), forward)
    }
    _ = try run(.dense)  // creates oneDNN's primitives for this batch
    _ = try run(.sparse)
    var best = (
      dense: Double.infinity, sparse: Double.infinity, denseForward: Double.infinity,
      sparseForward: Double.infinity
    )
    for _ in 0..<3 {
      let (d, df) = try run(.dense)
      let (s, sf) = try run(.sparse)
      best = (min(best.dense, d), min(best.sparse, s), min(best.denseForward, df), min(best.sparseForward, sf))
    }
    return best
  }

  // MARK: Building

  struct LayerNameCounters {
    var conv = 0
    var dense = 0
  }

  /// Layers named `conv1, conv2, ...` and `dense1, ...` in order of appearance, counting into
  /// residual bodies (so ResNet-8's convs are conv1...conv7, as `w1...w7` in Lee et al.'s code).
  static func build(
    _ specs: [NetworkLayer], input: TensorShape, names: inout LayerNameCounters, fuse: Bool
  ) -> [Layer] {
    var shape = input
    var layers: [Layer] = []
    var index = 0
    while index < specs.count {
      let spec = specs[index]
      index += 1
      let layer: Layer
      // conv2d, relu, max-pool: one fused layer (see `ConvReLUMaxPool`).
      if fuse, case .conv2d(let filters, let kernel, let stride, let padding, let bias) = spec,
        index + 1 < specs.count, specs[index] == .relu,
        case .maxPool(let window, let poolStride) = specs[index + 1]
      {
        index += 2
        names.conv += 1
        let conv = Conv2D(
          name: "conv\(names.conv)", input: shape, filters: filters, kernel: kernel,
          stride: stride, padding: padding, bias: bias)
        layer = ConvReLUMaxPool(convolution: conv, window: window, stride: poolStride)
        layers.append(layer)
        shape = layer.outputShape
        continue
      }
      // relu followed by max-pool: one fused layer (see `MaxPool2D.fusedReLU`).
      if spec == .relu, index < specs.count, case .maxPool(let window, let stride) = specs[index] {
        index += 1
        layer = MaxPool2D(input: shape, window: window, stride: stride, fusedReLU: true)
        layers.append(layer)
        shape = layer.outputShape
        continue
      }
      switch spec {
      case .conv2d(let filters, let kernel, let stride, let padding, let bias):
        names.conv += 1
        layer = Conv2D(
          name: "conv\(names.conv)", input: shape, filters: filters, kernel: kernel,
          stride: stride, padding: padding, bias: bias)
      case .maxPool(let window, let stride):
        layer = MaxPool2D(input: shape, window: window, stride: stride)
      case .avgPool(let window, let stride):
        layer = AvgPool2D(input: shape, window: window, stride: stride)
      case .dense(let units, let bias):
        names.dense += 1
        layer = Dense(name: "dense\(names.dense)", input: shape, units: units, bias: bias)
      case .relu: layer = ReLU(input: shape)
      case .flatten: layer = Flatten(input: shape)
      case .globalAvgPool: layer = GlobalAvgPool(input: shape)
      case .residual(let body):
        let inner = build(body, input: shape, names: &names, fuse: fuse)
        layer = Residual(body: Sequential(inner, input: shape))
      }
      layers.append(layer)
      shape = layer.outputShape
    }
    return layers
  }
}
