import Kernels

/// A convolution, a ReLU and a max pool with VALID windows, as one layer on oneDNN's fused
/// pipeline (`ConvReLUMaxPoolKernel`): the pre-pool activation, the largest tensor of a
/// Simple-CNN step, stays inside oneDNN's blocked layout. `Model` builds one for every
/// `conv2d, relu, maxPool` run; parameters, names and their order are the convolution's, so the
/// store is laid out as with the three separate layers (which the reference model uses, and
/// which tests compare against).
///
/// Sparse path (the convolution's `SparseConvolutionKernel`): the convolution writes a plain
/// NCHW pre-pool activation, pooled with ReLU by `Pooling` (the same first-maximum rule, and
/// gradient only where the maximum is positive), in parallel over examples.
public final class ConvReLUMaxPool: PrunableLayer {
  public let convolution: Conv2D
  public let window: Int
  public let stride: Int
  public let outputShape: TensorShape
  private var kernels: [Int: ConvReLUMaxPoolKernel] = [:]
  private var context: DNNLContext?
  /// Sparse path only: the pre-pool activation, its gradient, and the pool's arg-max.
  private var activation = FloatBuffer(count: 0)
  private var activationGradient = FloatBuffer(count: 0)
  private var argmax = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)

  deinit { argmax.deallocate() }

  public init(convolution: Conv2D, window: Int, stride: Int) {
    self.convolution = convolution
    self.window = window
    self.stride = stride
    outputShape = convolution.outputShape.pooled(window: window, stride: stride)
  }

  public var inputShape: TensorShape { convolution.inputShape }
  public var parameterDeclarations: [ParameterDeclaration] { convolution.parameterDeclarations }
  public var macsPerExample: Int { convolution.macsPerExample }
  public func bind(_ bindings: [ParameterBinding]) { convolution.bind(bindings) }

  public func reserve(maxBatch: Int, context: DNNLContext) throws {
    self.context = context
    convolution.reserveBuffers(maxBatch: maxBatch, context: context)
    _ = try kernelFor(batch: maxBatch)
  }

  /// oneDNN's implementation names at a batch size (convolution forward, backward data,
  /// backward weights).
  public func implementations(batch: Int) throws -> [String] {
    try kernelFor(batch: batch).implementations
  }

  private func kernelFor(batch: Int) throws -> ConvReLUMaxPoolKernel {
    if let k = kernels[batch] { return k }
    guard let context else {
      throw DNNLError(call: "ConvReLUMaxPool used before reserve", status: -1)
    }
    let k = try ConvReLUMaxPoolKernel(
      convolution.geometry(batch: batch), window: window, stride: stride, context: context)
    k.label = convolution.name
    kernels[batch] = k
    return k
  }

  // MARK: Sparse path

  var layerName: String { convolution.name }
  var weightDensity: Double { convolution.weightDensity }
  var path: KernelPath {
    get { convolution.path }
    set { convolution.path = newValue }
  }

  func buildSparseKernel() {
    convolution.buildSparseKernel()
    let count = convolution.maxBatch * convolution.outputShape.count
    if activation.count != count {
      activation = FloatBuffer(count: count)
      activationGradient = FloatBuffer(count: count)
      argmax.deallocate()
      argmax = .allocate(capacity: convolution.maxBatch * outputShape.count)
      argmax.initialize(repeating: 0)
    }
  }

  func dropSparseKernel() {
    convolution.dropSparseKernel()
    activation = FloatBuffer(count: 0)
    activationGradient = FloatBuffer(count: 0)
    argmax.deallocate()
    argmax = UnsafeMutableBufferPointer(start: nil, count: 0)
  }

  /// Whether the sparse path pools with `PairMaxPool` (2x2/2 on even planes) rather than
  /// `Pooling` with an arg-max.
  private var pairPool: Bool {
    let conv = convolution.outputShape
    return PairMaxPool.applies(
      window: window, stride: stride, height: conv.height, width: conv.width)
  }

  /// Pooled planes per example, and the pre-pool and pooled plane sizes.
  private var planeSizes: (channels: Int, plane: Int, pooled: Int) {
    let c = convolution.outputShape
    return (c.channels, c.height * c.width, outputShape.height * outputShape.width)
  }

  /// `body(first, planes, argmax)` for each kernel thread's share of the batch's examples: the
  /// share's first pre-pool plane and its plane count, and the arg-max buffer.
  private func poolInShares(
    batch: Int, channels: Int, _ body: (Int, Int, UnsafeMutablePointer<Int32>) -> Void
  ) {
    guard let a = argmax.baseAddress else { return }
    KernelThreads.parallelFor(batch) { examples in
      body(examples.lowerBound * channels, examples.count * channels, a)
    }
  }

  private func sparseForward(
    _ sparse: SparseConvolutionKernel, _ x: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>, batch: Int, weight: ParameterBinding
  ) {
    let act = activation.pointer
    StepProfiler.measure("\(convolution.name) sparse conv") {
      sparse.forward(
        src: x, weights: weight.value, bias: convolution.bias?.value, dst: act, batch: batch)
    }
    let (channels, plane, pooled) = planeSizes
    let conv = convolution.outputShape
    StepProfiler.measure("\(convolution.name) sparse pool") {
      if pairPool {
        PairMaxPool.forward(
          act, y, planes: batch * channels, height: conv.height, width: conv.width)
        return
      }
      poolInShares(batch: batch, channels: channels) { first, planes, a in
        Pooling.maxForward(
          act + first * plane, y + first * pooled, argmax: a + first * pooled,
          planes: planes, height: conv.height, width: conv.width, window: window,
          stride: stride, relu: true)
      }
    }
  }

  private func sparseBackward(
    _ sparse: SparseConvolutionKernel, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, weight: ParameterBinding,
    targets: (weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>)
  ) {
    let dAct = activationGradient.pointer
    let (channels, plane, pooled) = planeSizes
    let conv = convolution.outputShape
    StepProfiler.measure("\(convolution.name) sparse poolBackward") {
      if pairPool {
        PairMaxPool.backward(
          x: activation.pointer, dy: dy, dx: dAct, planes: batch * channels,
          height: conv.height, width: conv.width)
        return
      }
      poolInShares(batch: batch, channels: channels) { first, planes, a in
        Pooling.maxBackward(
          dy + first * pooled, argmax: a + first * pooled, dAct + first * plane,
          planes: planes, height: conv.height, width: conv.width, window: window,
          stride: stride, relu: y + first * pooled)
      }
    }
    sparse.backward(
      weights: weight.value, diffDst: dAct, diffSrc: dx, diffWeights: targets.weight,
      diffBias: targets.bias, batch: batch)
  }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int)
    throws
  {
    guard let weight = convolution.weight else { return }
    if let sparse = convolution.activeSparseKernel {
      sparseForward(sparse, x, y, batch: batch, weight: weight)
      return
    }
    let b = convolution.bias?.value ?? convolution.zeroBias.pointer
    try kernelFor(batch: batch).forward(src: x, weights: weight.value, bias: b, dst: y)
  }

  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) throws {
    guard let weight = convolution.weight,
      let targets = convolution.gradientTargets(accumulate: accumulate)
    else { return }
    if let sparse = convolution.activeSparseKernel {
      sparseBackward(
        sparse, y: y, dy: dy, dx: dx, batch: batch, weight: weight, targets: targets)
      convolution.finishGradients(accumulate: accumulate)
      return
    }
    try kernelFor(batch: batch).backward(
      src: x, weights: weight.value, diffDst: dy, diffSrc: dx,
      diffWeights: targets.weight, diffBias: targets.bias)
    convolution.finishGradients(accumulate: accumulate)
  }
}
