import Kernels

/// Padding of a convolution, with TensorFlow's meaning.
public enum ConvPadding: String, Hashable, Sendable {
  /// No padding: out = (in - k) / stride + 1.
  case valid
  /// out = ceil(in / stride); the total padding max((out - 1) * stride + k - in, 0) is split with
  /// the odd one at the bottom/right (TensorFlow), which PyTorch's symmetric `padding=` cannot
  /// express for stride 2 on even sizes.
  case same

  /// (before, after) padding along one axis.
  func pads(input: Int, kernel: Int, stride: Int) -> (Int, Int) {
    switch self {
    case .valid: return (0, 0)
    case .same:
      let out = (input + stride - 1) / stride
      let total = max((out - 1) * stride + kernel - input, 0)
      return (total / 2, total - total / 2)
    }
  }
}

/// 2-D convolution: x `(N, Cin, H, W)` -> y `(N, Cout, Ho, Wo)`, weights `(Cout, Cin, k, k)`
/// (OIHW), optional bias `(Cout)`. Runs on a oneDNN `ConvolutionKernel` per batch size, created
/// on first use and cached (a training run sees one or two sizes: the micro-batch and the last
/// partial evaluation batch). Under a mask, `path` may be `.sparse`: a
/// `SparseConvolutionKernel` built once from the mask computes only the kept weights.
public final class Conv2D: PrunableLayer {
  public let inputShape: TensorShape
  public let outputShape: TensorShape
  public let name: String
  public let kernel: Int
  public let stride: Int
  public let hasBias: Bool
  let padTop: Int, padBottom: Int, padLeft: Int, padRight: Int

  // Internal: `ConvReLUMaxPool` runs this convolution's parameters through its fused kernel.
  var weight: ParameterBinding?
  var bias: ParameterBinding?
  /// Zero bias for bias-free convolutions, and scratch for gradients when accumulating.
  var zeroBias = FloatBuffer(count: 0)
  var scratchWeightGrad = FloatBuffer(count: 0)
  var scratchBiasGrad = FloatBuffer(count: 0)
  private var kernels: [Int: ConvolutionKernel] = [:]
  private var context: DNNLContext?
  var maxBatch = 0
  var sparseKernel: SparseConvolutionKernel?
  public internal(set) var path = KernelPath.dense

  public init(
    name: String, input: TensorShape, filters: Int, kernel: Int, stride: Int = 1,
    padding: ConvPadding, bias: Bool = true
  ) {
    self.name = name
    self.inputShape = input
    self.kernel = kernel
    self.stride = stride
    self.hasBias = bias
    (padTop, padBottom) = padding.pads(input: input.height, kernel: kernel, stride: stride)
    (padLeft, padRight) = padding.pads(input: input.width, kernel: kernel, stride: stride)
    let oh = (input.height + padTop + padBottom - kernel) / stride + 1
    let ow = (input.width + padLeft + padRight - kernel) / stride + 1
    outputShape = TensorShape(channels: filters, height: oh, width: ow)
  }

  var weightCount: Int { outputShape.channels * inputShape.channels * kernel * kernel }

  public var parameterDeclarations: [ParameterDeclaration] {
    let (o, i, k2) = (outputShape.channels, inputShape.channels, kernel * kernel)
    var d = [
      ParameterDeclaration(
        name: "\(name).weight", shape: [o, i, kernel, kernel], kind: .weight, fanIn: i * k2,
        fanOut: o * k2)
    ]
    if hasBias {
      d.append(
        ParameterDeclaration(
          name: "\(name).bias", shape: [o], kind: .bias, fanIn: i * k2,
          fanOut: o * k2))
    }
    return d
  }

  public var macsPerExample: Int {
    outputShape.count * inputShape.channels * kernel * kernel
  }

  public func bind(_ bindings: [ParameterBinding]) {
    weight = bindings.first
    bias = hasBias ? bindings.dropFirst().first : nil
  }

  public func reserve(maxBatch: Int, context: DNNLContext) throws {
    reserveBuffers(maxBatch: maxBatch, context: context)
    _ = try kernelFor(batch: maxBatch)
  }

  /// The parameter-sized buffers, without creating a kernel.
  func reserveBuffers(maxBatch: Int, context: DNNLContext) {
    self.context = context
    self.maxBatch = maxBatch
    zeroBias = FloatBuffer(count: outputShape.channels)
    scratchWeightGrad = FloatBuffer(count: weightCount)
    scratchBiasGrad = FloatBuffer(count: outputShape.channels)
  }

  /// Where `backward` writes the batch's gradients: the store's slices, or scratch buffers
  /// when accumulating (added by `finishGradients`) or when there is no bias.
  func gradientTargets(accumulate: Bool) -> (
    weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
  )? {
    guard let weight else { return nil }
    let wTarget = accumulate ? scratchWeightGrad.pointer : weight.gradient
    let bTarget =
      (accumulate || bias == nil)
      ? scratchBiasGrad.pointer : (bias?.gradient ?? scratchBiasGrad.pointer)
    return (wTarget, bTarget)
  }

  /// Adds the scratch gradients into the store when accumulating.
  func finishGradients(accumulate: Bool) {
    guard accumulate, let weight else { return }
    VectorOps.add(scratchWeightGrad.pointer, into: weight.gradient, count: weightCount)
    if let bias {
      VectorOps.add(scratchBiasGrad.pointer, into: bias.gradient, count: outputShape.channels)
    }
  }

  /// The geometry at a batch size (also used by tests and the benchmark).
  public func geometry(batch: Int) -> ConvGeometry {
    ConvGeometry(
      batch: batch, inChannels: inputShape.channels, inHeight: inputShape.height,
      inWidth: inputShape.width, outChannels: outputShape.channels, kernelHeight: kernel,
      kernelWidth: kernel, strideHeight: stride, strideWidth: stride, padTop: padTop,
      padLeft: padLeft, padBottom: padBottom, padRight: padRight)
  }

  /// oneDNN's implementation names (forward, backward data, backward weights) at a batch size.
  public func implementations(batch: Int) throws -> [String] {
    try kernelFor(batch: batch).implementations
  }

  private func kernelFor(batch: Int) throws -> ConvolutionKernel {
    if let k = kernels[batch] { return k }
    guard let context else { throw DNNLError(call: "Conv2D used before reserve", status: -1) }
    let k = try ConvolutionKernel(geometry(batch: batch), context: context)
    k.label = name
    kernels[batch] = k
    return k
  }

  // MARK: Sparse path

  var layerName: String { name }
  var weightDensity: Double { weight?.density(count: weightCount) ?? 1 }

  func buildSparseKernel() {
    guard let mask = weight?.mask else { return }
    sparseKernel = SparseConvolutionKernel(geometry(batch: maxBatch), mask: mask)
  }

  func dropSparseKernel() {
    sparseKernel = nil
    path = .dense
  }

  /// The sparse kernel when the sparse path is on.
  var activeSparseKernel: SparseConvolutionKernel? { path == .sparse ? sparseKernel : nil }

  /// y = conv(x, W) + b.
  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int)
    throws
  {
    guard let weight else { return }
    if let sparse = activeSparseKernel {
      sparse.forward(src: x, weights: weight.value, bias: bias?.value, dst: y, batch: batch)
      return
    }
    let b = bias?.value ?? zeroBias.pointer
    try kernelFor(batch: batch).forward(src: x, weights: weight.value, bias: b, dst: y)
  }

  /// dW = sum_n dy * x (correlation), db = sum_n,h,w dy, dx = conv_transpose(dy, W).
  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) throws {
    guard let weight, let targets = gradientTargets(accumulate: accumulate) else { return }
    if let sparse = activeSparseKernel {
      sparse.backward(
        weights: weight.value, diffDst: dy, diffSrc: dx, diffWeights: targets.weight,
        diffBias: targets.bias, batch: batch)
      finishGradients(accumulate: accumulate)
      return
    }
    try kernelFor(batch: batch).backward(
      src: x, weights: weight.value, diffDst: dy, diffSrc: dx, diffWeights: targets.weight,
      diffBias: targets.bias)
    finishGradients(accumulate: accumulate)
  }
}
