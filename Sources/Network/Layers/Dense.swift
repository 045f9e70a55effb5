import Kernels

/// Fully connected layer: x `(N, in)` -> y `(N, out)`, y = x W^T + b, W `(out, in)` (PyTorch's
/// layout). A `(C, H, W)` input is read as its NCHW flattening, so a Flatten before it is free.
/// Matrix products run on oneDNN's sgemm; under a mask, `path` may be `.sparse` (a
/// `SparseDenseKernel` built once from the mask).
public final class Dense: PrunableLayer {
  public let inputShape: TensorShape
  public let outputShape: TensorShape
  public let name: String
  public let hasBias: Bool
  private var weight: ParameterBinding?
  private var bias: ParameterBinding?
  private var maxBatch = 0
  private var sparseKernel: SparseDenseKernel?
  /// Sparse path, when accumulating: the batch's gradients before they are added.
  private var scratchWeightGrad = FloatBuffer(count: 0)
  private var scratchBiasGrad = FloatBuffer(count: 0)
  public internal(set) var path = KernelPath.dense

  public init(name: String, input: TensorShape, units: Int, bias: Bool = true) {
    self.name = name
    self.inputShape = input
    self.outputShape = TensorShape(channels: units)
    self.hasBias = bias
  }

  var inputs: Int { inputShape.count }
  var outputs: Int { outputShape.channels }

  public var parameterDeclarations: [ParameterDeclaration] {
    var d = [
      ParameterDeclaration(
        name: "\(name).weight", shape: [outputs, inputs], kind: .weight, fanIn: inputs,
        fanOut: outputs)
    ]
    if hasBias {
      d.append(
        ParameterDeclaration(
          name: "\(name).bias", shape: [outputs], kind: .bias, fanIn: inputs, fanOut: outputs))
    }
    return d
  }

  public var macsPerExample: Int { inputs * outputs }

  public func bind(_ bindings: [ParameterBinding]) {
    weight = bindings.first
    bias = hasBias ? bindings.dropFirst().first : nil
  }

  public func reserve(maxBatch: Int, context: DNNLContext) throws {
    self.maxBatch = maxBatch
  }

  // MARK: Sparse path

  var layerName: String { name }
  var weightDensity: Double { weight?.density(count: inputs * outputs) ?? 1 }

  func buildSparseKernel() {
    guard let mask = weight?.mask else { return }
    sparseKernel = SparseDenseKernel(
      inputs: inputs, outputs: outputs, maxBatch: maxBatch, mask: mask)
    scratchWeightGrad = FloatBuffer(count: inputs * outputs)
    scratchBiasGrad = FloatBuffer(count: outputs)
  }

  func dropSparseKernel() {
    sparseKernel = nil
    path = .dense
    scratchWeightGrad = FloatBuffer(count: 0)
    scratchBiasGrad = FloatBuffer(count: 0)
  }

  private var activeSparseKernel: SparseDenseKernel? { path == .sparse ? sparseKernel : nil }

  /// y `(N, out)` = x `(N, in)` * W^T `(in, out)` + b.
  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int)
    throws
  {
    guard let weight else { return }
    if let sparse = activeSparseKernel {
      sparse.forward(x: x, weights: weight.value, bias: bias?.value, y: y, batch: batch)
      return
    }
    try Gemm.sgemm(
      transA: false, transB: true, m: batch, n: outputs, k: inputs, a: x, lda: inputs,
      b: weight.value, ldb: inputs, beta: 0, c: y, ldc: outputs)
    if let bias { VectorOps.addRowBias(y, bias.value, rows: batch, cols: outputs) }
  }

  /// dW `(out, in)` (+)= dy^T x; db (+)= column sums of dy; dx `(N, in)` = dy W.
  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) throws {
    guard let weight else { return }
    if let sparse = activeSparseKernel {
      let wTarget = accumulate ? scratchWeightGrad.pointer : weight.gradient
      let bTarget = accumulate ? scratchBiasGrad.pointer : bias?.gradient
      sparse.backward(
        dy: dy, weights: weight.value, dx: dx, diffWeights: wTarget,
        diffBias: bias == nil ? nil : bTarget, batch: batch)
      if accumulate {
        VectorOps.add(scratchWeightGrad.pointer, into: weight.gradient, count: inputs * outputs)
        if let bias { VectorOps.add(scratchBiasGrad.pointer, into: bias.gradient, count: outputs) }
      }
      return
    }
    try Gemm.sgemm(
      transA: true, transB: false, m: outputs, n: inputs, k: batch, a: dy, lda: outputs, b: x,
      ldb: inputs, beta: accumulate ? 1 : 0, c: weight.gradient, ldc: inputs)
    if let bias {
      VectorOps.sumRows(dy, bias.gradient, rows: batch, cols: outputs, accumulate: accumulate)
    }
    if let dx {
      try Gemm.sgemm(
        transA: false, transB: false, m: batch, n: inputs, k: outputs, a: dy, lda: outputs,
        b: weight.value, ldb: inputs, beta: 0, c: dx, ldc: inputs)
    }
  }
}
