import Kernels

/// A convolution, a ReLU and a max pool with VALID windows, as one layer on oneDNN's fused
/// pipeline (`ConvReLUMaxPoolKernel`): the pre-pool activation, the largest tensor of a
/// Simple-CNN step, stays inside oneDNN's blocked layout. `Model` builds one for every
/// `conv2d, relu, maxPool` run; parameters, names and their order are the convolution's, so the
/// store is laid out as with the three separate layers (which the reference model uses, and
/// which tests compare against).
public final class ConvReLUMaxPool: Layer {
  public let convolution: Conv2D
  public let window: Int
  public let stride: Int
  public let outputShape: TensorShape
  private var kernels: [Int: ConvReLUMaxPoolKernel] = [:]
  private var context: DNNLContext?

  public init(convolution: Conv2D, window: Int, stride: Int) {
    self.convolution = convolution
    self.window = window
    self.stride = stride
    let conv = convolution.outputShape
    outputShape = TensorShape(
      channels: conv.channels, height: (conv.height - window) / stride + 1,
      width: (conv.width - window) / stride + 1)
  }

  public var inputShape: TensorShape { convolution.inputShape }
  public var parameterDeclarations: [ParameterDeclaration] { convolution.parameterDeclarations }
  public var macsPerExample: Int { convolution.macsPerExample }
  public func bind(_ bindings: [ParameterBinding]) { convolution.bind(bindings) }

  public func reserve(maxBatch: Int, context: DNNLContext) throws {
    self.context = context
    convolution.reserveBuffers(context: context)
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

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int)
    throws
  {
    guard let weight = convolution.weight else { return }
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
    try kernelFor(batch: batch).backward(
      src: x, weights: weight.value, diffDst: dy, diffSrc: dx,
      diffWeights: targets.weight, diffBias: targets.bias)
    convolution.finishGradients(accumulate: accumulate)
  }
}
