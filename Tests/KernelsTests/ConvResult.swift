import Kernels

/// A convolution's output and its three gradients.
struct ConvResult: Equatable {
  var y: [Float], dx: [Float], dw: [Float], db: [Float]

  /// Every entry NaN, so that an entry a kernel leaves unwritten shows in the comparison.
  static func unwritten(y: Int, x: Int, w: Int, b: Int) -> ConvResult {
    func nan(_ count: Int) -> [Float] { [Float](repeating: .nan, count: count) }
    return ConvResult(y: nan(y), dx: nan(x), dw: nan(w), db: nan(b))
  }
}

/// The dense convolution kernels, plain and fused with ReLU and max pool, share this interface.
protocol DenseConvolution {
  func forward(
    src: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    dst: UnsafeMutablePointer<Float>) throws
  func backward(
    src: UnsafePointer<Float>, weights: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
    diffSrc: UnsafeMutablePointer<Float>?, diffWeights: UnsafeMutablePointer<Float>,
    diffBias: UnsafeMutablePointer<Float>) throws
}

extension ConvolutionKernel: DenseConvolution {}
extension ConvReLUMaxPoolKernel: DenseConvolution {}

extension DenseConvolution {
  /// One forward and one backward pass, into `ConvResult.unwritten` buffers.
  func run(x: [Float], w: [Float], b: [Float], dy: [Float], outputs: Int) throws -> ConvResult {
    var r = ConvResult.unwritten(y: outputs, x: x.count, w: w.count, b: b.count)
    try forward(src: x, weights: w, bias: b, dst: &r.y)
    try backward(
      src: x, weights: w, diffDst: dy, diffSrc: &r.dx, diffWeights: &r.dw, diffBias: &r.db)
    return r
  }
}
