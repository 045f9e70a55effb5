import Kernels
import StepwiseTestSupport
import Testing

/// The Swift loop kernels and sgemm against the reference kernels. Tolerance: scaled max error
/// < 1e-6 (single-precision rounding of a handful of operations), except sgemm (< 1e-5).
@Suite struct LoopKernelTests {
  @Test(arguments: [(2, 3), (3, 1), (2, 2)])
  func maxPoolForwardAndBackward(window: Int, stride: Int) {
    var rng = TestRandom(seed: UInt64(window * 10 + stride))
    let (planes, h, w) = (6, 8, 7)
    let x = rng.uniforms(planes * h * w)
    let oh = (h - window) / stride + 1
    let ow = (w - window) / stride + 1
    let dy = rng.uniforms(planes * oh * ow)
    var y = [Float](repeating: 0, count: dy.count)
    var argmax = [Int32](repeating: 0, count: dy.count)
    var dx = [Float](repeating: .nan, count: x.count)
    let xf = x.map(Float.init)
    Pooling.maxForward(
      xf, &y, argmax: &argmax, planes: planes, height: h, width: w, window: window, stride: stride)
    Pooling.maxBackward(
      dy.map(Float.init), argmax: argmax, &dx, planes: planes, height: h, width: w, window: window,
      stride: stride)
    // The reference runs on the Float-rounded input so that ties resolve identically.
    let xr = xf.map(Double.init)
    #expect(
      y.map(Double.init)
        == Reference.maxPoolForward(
          xr, planes: planes, height: h, width: w, window: window, stride: stride))
    let dxRef = Reference.maxPoolBackward(
      xr, dy, planes: planes, height: h, width: w, window: window, stride: stride)
    #expect(Gradcheck.scaledMaxError(dx.map(Double.init), dxRef) < 1e-6)
  }

  @Test(arguments: [(2, 2), (3, 1)])
  func averagePoolForwardAndBackward(window: Int, stride: Int) {
    var rng = TestRandom(seed: 5)
    let (planes, h, w) = (4, 6, 6)
    let x = rng.uniforms(planes * h * w)
    let oh = (h - window) / stride + 1
    let dy = rng.uniforms(planes * oh * oh)
    var y = [Float](repeating: 0, count: dy.count)
    var dx = [Float](repeating: .nan, count: x.count)
    Pooling.averageForward(
      x.map(Float.init), &y, planes: planes, height: h, width: w, window: window, stride: stride)
    Pooling.averageBackward(
      dy.map(Float.init), &dx, planes: planes, height: h, width: w, window: window, stride: stride)
    #expect(
      Gradcheck.scaledMaxError(
        y.map(Double.init),
        Reference.avgPoolForward(
          x, planes: planes, height: h, width: w, window: window, stride: stride)) < 1e-6)
    #expect(
      Gradcheck.scaledMaxError(
        dx.map(Double.init),
        Reference.avgPoolBackward(
          dy, planes: planes, height: h, width: w, window: window, stride: stride)) < 1e-6)
  }

  @Test func reluAndGlobalAveragePool() {
    var rng = TestRandom(seed: 6)
    let x = rng.uniforms(5 * 16)
    let dy = rng.uniforms(5 * 16)
    var y = [Float](repeating: 0, count: x.count)
    var dx = [Float](repeating: 0, count: x.count)
    Activation.reluForward(x.map(Float.init), &y, count: x.count)
    Activation.reluBackward(y, dy.map(Float.init), &dx, count: x.count)
    #expect(Gradcheck.scaledMaxError(y.map(Double.init), Reference.reluForward(x)) < 1e-7)
    #expect(Gradcheck.scaledMaxError(dx.map(Double.init), Reference.reluBackward(x, dy)) < 1e-7)
    var g = [Float](repeating: 0, count: 5)
    var dg = [Float](repeating: 0, count: 5 * 16)
    Pooling.globalAverageForward(x.map(Float.init), &g, planes: 5, size: 16)
    Pooling.globalAverageBackward(dy.prefix(5).map(Float.init), &dg, planes: 5, size: 16)
    #expect(
      Gradcheck.scaledMaxError(
        g.map(Double.init), Reference.globalAvgPoolForward(x, planes: 5, size: 16)) < 1e-6)
    #expect(
      Gradcheck.scaledMaxError(
        dg.map(Double.init),
        Reference.globalAvgPoolBackward(Array(dy.prefix(5)), planes: 5, size: 16)) < 1e-6)
  }

  @Test(arguments: [(1, 10, 1024), (64, 1024, 3136), (7, 3, 5)])
  func sgemmMatchesNaiveProduct(m: Int, n: Int, k: Int) throws {
    var rng = TestRandom(seed: UInt64(m + n + k))
    let a = rng.uniforms(m * k)
    let b = rng.uniforms(n * k)
    let bias = [Double](repeating: 0, count: n)
    var c = [Float](repeating: .nan, count: m * n)
    try Gemm.sgemm(
      transA: false, transB: true, m: m, n: n, k: k, a: a.map(Float.init), lda: k,
      b: b.map(Float.init), ldb: k, beta: 0, c: &c, ldc: n)
    let ref = Reference.denseForward(a, b, bias, batch: m, inputs: k, outputs: n)
    #expect(Gradcheck.scaledMaxError(c.map(Double.init), ref) < 1e-5)
  }

  @Test func softmaxCrossEntropyMatchesReference() {
    var rng = TestRandom(seed: 7)
    let z = rng.uniforms(6 * 10, scale: 5)
    let labels = rng.labels(6, classes: 10)
    var grad = [Float](repeating: 0, count: z.count)
    let (lossSum, correct) = SoftmaxCrossEntropyKernel.run(
      logits: z.map(Float.init), labels: labels.map(Int32.init), rows: 6, classes: 10,
      gradient: &grad, gradientScale: 1.0 / 6)
    let (loss, dz) = Reference.softmaxCrossEntropy(z, labels: labels, classes: 10)
    #expect(Gradcheck.relativeError(lossSum / 6, loss) < 1e-6)
    #expect(Gradcheck.scaledMaxError(grad.map(Double.init), dz) < 1e-6)
    let expected = (0..<6).filter { r in
      let row = z[(r * 10)..<(r * 10 + 10)]
      return row.firstIndex(of: row.max() ?? 0).map { $0 - r * 10 } == labels[r]
    }.count
    #expect(correct == expected)
  }

  /// After `flushDenormals`, a product that would be denormal is zero on this thread.
  @Test func denormalsAreFlushed() {
    KernelThreads.flushDenormals()
    var values = [Float.leastNormalMagnitude, 0.25]
    values[0] = values[0] * values[1]
    #expect(values[0] == 0)
  }

  @Test func threadCountIsPerCallingThread() {
    KernelThreads.set(1)
    #expect(KernelThreads.current == 1)
    KernelThreads.set(2)
    #expect(KernelThreads.current == 2)
  }
}

/// Max-pool with the ReLU fused in equals ReLU then max-pool, forward and backward.
@Suite struct FusedReLUMaxPoolTests {
  @Test(arguments: [(2, 2, 8), (2, 2, 7), (3, 1, 6)])
  func fusedEqualsReLUThenPool(window: Int, stride: Int, size: Int) {
    var rng = TestRandom(seed: UInt64(size))
    let planes = 5
    let x = rng.uniforms(planes * size * size).map { Double(Float($0)) }
    let o = (size - window) / stride + 1
    let dy = rng.uniforms(planes * o * o)
    var y = [Float](repeating: 0, count: dy.count)
    var argmax = [Int32](repeating: 0, count: dy.count)
    var dx = [Float](repeating: .nan, count: x.count)
    Pooling.maxForward(
      x.map(Float.init), &y, argmax: &argmax, planes: planes, height: size, width: size,
      window: window, stride: stride, relu: true)
    Pooling.maxBackward(
      dy.map(Float.init), argmax: argmax, &dx, planes: planes, height: size, width: size,
      window: window, stride: stride, relu: y)
    let r = Reference.reluForward(x)
    let yRef = Reference.maxPoolForward(
      r, planes: planes, height: size, width: size, window: window, stride: stride)
    let dr = Reference.maxPoolBackward(
      r, dy, planes: planes, height: size, width: size, window: window, stride: stride)
    let dxRef = Reference.reluBackward(x, dr)
    #expect(y.map(Double.init) == yRef)
    #expect(Gradcheck.scaledMaxError(dx.map(Double.init), dxRef) < 1e-6)
  }
}
