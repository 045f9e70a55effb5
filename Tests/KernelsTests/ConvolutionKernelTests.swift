import Kernels
import StepwiseTestSupport
import Testing

/// The oneDNN convolution (Float, blocked layouts inside) against the naive reference (Double)
/// on the same data. Tolerance: max |fast - reference| / max |reference| < 1e-5 for dst, dx, dW
/// and db (Float sums of at most ~2,000 products of values in [-1, 1]).
@Suite struct ConvolutionKernelTests {
  static let geometries: [ConvGeometry] = [
    // Simple-CNN's two convolutions (VALID), small batches.
    ConvGeometry(
      batch: 2, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32,
      kernelHeight: 5, kernelWidth: 5),
    ConvGeometry(
      batch: 3, inChannels: 32, inHeight: 12, inWidth: 12, outChannels: 64,
      kernelHeight: 5, kernelWidth: 5),
    // Batch 1 (its own primitive).
    ConvGeometry(
      batch: 1, inChannels: 32, inHeight: 12, inWidth: 12, outChannels: 64,
      kernelHeight: 5, kernelWidth: 5),
    // ResNet-8: SAME 3x3 stride 1, and stride 2 with TensorFlow's bottom/right-only padding.
    ConvGeometry(
      batch: 2, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 16,
      kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1),
    ConvGeometry(
      batch: 2, inChannels: 16, inHeight: 8, inWidth: 8, outChannels: 32,
      kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0,
      padBottom: 1, padRight: 1),
    // Odd channel counts that do not fill a 16-wide block.
    ConvGeometry(
      batch: 2, inChannels: 5, inHeight: 7, inWidth: 9, outChannels: 7,
      kernelHeight: 3, kernelWidth: 2, padTop: 1, padLeft: 0, padBottom: 1, padRight: 1),
  ]

  @Test(arguments: 0..<6)
  func fastConvolutionMatchesReference(index: Int) throws {
    let g = Self.geometries[index]
    let context = try DNNLContext()
    let kernel = try ConvolutionKernel(g, context: context)
    var rng = TestRandom(seed: UInt64(index + 1))
    let x = rng.uniforms(g.batch * g.inChannels * g.inHeight * g.inWidth)
    let w = rng.uniforms(g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth, scale: 0.2)
    let b = rng.uniforms(g.outChannels)
    let dstCount = g.batch * g.outChannels * g.outHeight * g.outWidth
    let dy = rng.uniforms(dstCount)
    let (xf, wf, bf, dyf) = (
      x.map(Float.init), w.map(Float.init), b.map(Float.init), dy.map(Float.init)
    )
    let r = try kernel.run(x: xf, w: wf, b: bf, dy: dyf, outputs: dstCount)
    let yRef = Reference.convForward(x, w, b, g)
    let (dxRef, dwRef, dbRef) = Reference.convBackward(x, w, dy, g)
    #expect(Gradcheck.scaledMaxError(r.y.map(Double.init), yRef) < 1e-5)
    #expect(Gradcheck.scaledMaxError(r.dx.map(Double.init), dxRef) < 1e-5)
    #expect(Gradcheck.scaledMaxError(r.dw.map(Double.init), dwRef) < 1e-5)
    #expect(Gradcheck.scaledMaxError(r.db.map(Double.init), dbRef) < 1e-5)
    #expect(kernel.implementations.count == 3)
  }

  /// Running the same kernel twice on the same data gives the same bits (no hidden state).
  @Test func repeatable() throws {
    let g = Self.geometries[1]
    let kernel = try ConvolutionKernel(g, context: try DNNLContext())
    var rng = TestRandom(seed: 3)
    let x = rng.uniforms(g.batch * g.inChannels * g.inHeight * g.inWidth).map(Float.init)
    let w = rng.uniforms(g.outChannels * g.inChannels * 25).map(Float.init)
    let b = [Float](repeating: 0.5, count: g.outChannels)
    var y1 = [Float](repeating: 0, count: g.batch * g.outChannels * 64)
    var y2 = y1
    try kernel.forward(src: x, weights: w, bias: b, dst: &y1)
    try kernel.forward(src: x, weights: w, bias: b, dst: &y2)
    #expect(y1 == y2)
  }
}
