import Kernels
import StepwiseTestSupport
import Testing

/// The sparse kernels against the naive Double reference and the dense (oneDNN) kernel on the
/// masked weights. Tolerance: max |sparse - reference| / max |reference| < 1e-5 (Float sums of
/// at most ~2,000 products of values in [-1, 1], as the dense kernels' own tests). The weight
/// gradient is compared at every position: pruned ones must be exactly zero.
@Suite(.serialized) struct SparseKernelTests {
  static let geometries: [ConvGeometry] = [
    // Simple-CNN's two convolutions.
    ConvGeometry(
      batch: 3, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32,
      kernelHeight: 5, kernelWidth: 5),
    ConvGeometry(
      batch: 2, inChannels: 32, inHeight: 12, inWidth: 12, outChannels: 64,
      kernelHeight: 5, kernelWidth: 5),
    // ResNet-8: SAME stride 1, and stride 2 with bottom/right-only padding.
    ConvGeometry(
      batch: 2, inChannels: 3, inHeight: 10, inWidth: 10, outChannels: 16,
      kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1),
    ConvGeometry(
      batch: 3, inChannels: 16, inHeight: 8, inWidth: 8, outChannels: 32,
      kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0,
      padBottom: 1, padRight: 1),
    // Odd everything: widths not a multiple of 8, rectangular kernel, uneven strides, padding.
    ConvGeometry(
      batch: 2, inChannels: 5, inHeight: 13, inWidth: 19, outChannels: 7,
      kernelHeight: 3, kernelWidth: 2, strideHeight: 1, strideWidth: 3, padTop: 2, padLeft: 1,
      padBottom: 0, padRight: 2),
    ConvGeometry(
      batch: 1, inChannels: 2, inHeight: 5, inWidth: 5, outChannels: 3,
      kernelHeight: 5, kernelWidth: 5, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2),
  ]

  static let densities: [Double] = [0, 0.01, 0.1, 0.5, 0.9, 1]

  /// A random mask at `density`, with output channel 0 and input channel 0 emptied when there
  /// are several (empty rows and empty input channels).
  static func convMask(_ g: ConvGeometry, density: Double, rng: inout TestRandom) -> [Double] {
    let k = g.kernelHeight * g.kernelWidth
    var m = (0..<(g.outChannels * g.inChannels * k)).map { _ in rng.unit() < density ? 1.0 : 0 }
    if density > 0 && density < 1 && g.outChannels > 1 && g.inChannels > 1 {
      for i in 0..<(g.inChannels * k) { m[i] = 0 }
      for o in 0..<g.outChannels { for j in 0..<k { m[(o * g.inChannels) * k + j] = 0 } }
    }
    return m
  }

  static func runSparse(
    _ g: ConvGeometry, mask: [Float], x: [Float], w: [Float], b: [Float], dy: [Float]
  ) -> ConvResult {
    let kernel = mask.withUnsafeBufferPointer { SparseConvolutionKernel(g, mask: $0.baseAddress!) }
    var r = ConvResult.unwritten(y: dy.count, x: x.count, w: w.count, b: b.count)
    kernel.forward(src: x, weights: w, bias: b, dst: &r.y, batch: g.batch)
    kernel.backward(
      weights: w, diffDst: dy, diffSrc: &r.dx, diffWeights: &r.dw, diffBias: &r.db,
      batch: g.batch)
    return r
  }

  @Test(arguments: 0..<6)
  func convolutionMatchesReferenceAndDense(index: Int) throws {
    let g = Self.geometries[index]
    var rng = TestRandom(seed: UInt64(100 + index))
    let x = rng.uniforms(g.batch * g.inChannels * g.inHeight * g.inWidth)
    let wAll = rng.uniforms(g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth, scale: 0.2)
    let b = rng.uniforms(g.outChannels)
    let dy = rng.uniforms(g.batch * g.outChannels * g.outHeight * g.outWidth)
    let dense = try ConvolutionKernel(g, context: try DNNLContext())
    for density in Self.densities {
      let m = Self.convMask(g, density: density, rng: &rng)
      let w = zip(wAll, m).map { $0 * $1 }
      let (xf, wf, bf, dyf, mf) = (
        x.map(Float.init), w.map(Float.init), b.map(Float.init), dy.map(Float.init),
        m.map(Float.init)
      )
      let yRef = Reference.convForward(x, w, b, g)
      let (dxRef, dwAll, dbRef) = Reference.convBackward(x, w, dy, g)
      let dwRef = zip(dwAll, m).map { $0 * $1 }
      // Dense oneDNN on the masked weights, gradient masked as the optimizer does.
      var yd = [Float](repeating: 0, count: dy.count)
      var dxd = [Float](repeating: 0, count: x.count)
      var dwd = [Float](repeating: 0, count: w.count)
      var dbd = [Float](repeating: 0, count: b.count)
      try dense.forward(src: xf, weights: wf, bias: bf, dst: &yd)
      try dense.backward(
        src: xf, weights: wf, diffDst: dyf, diffSrc: &dxd, diffWeights: &dwd, diffBias: &dbd)
      dwd = zip(dwd, mf).map { $0 * $1 }
      for portable in [false, true] {
        SparseKernelPath.forcePortable(portable)
        defer { SparseKernelPath.forcePortable(false) }
        for threads in [1, 2] {
          KernelThreads.set(threads)
          let r = Self.runSparse(g, mask: mf, x: xf, w: wf, b: bf, dy: dyf)
          let label = "geometry \(index) density \(density) portable \(portable) threads \(threads)"
          #expect(Gradcheck.scaledMaxError(r.y.map(Double.init), yRef) < 1e-5, "\(label) y")
          #expect(Gradcheck.scaledMaxError(r.dx.map(Double.init), dxRef) < 1e-5, "\(label) dx")
          #expect(Gradcheck.scaledMaxError(r.dw.map(Double.init), dwRef) < 1e-5, "\(label) dw")
          #expect(Gradcheck.scaledMaxError(r.db.map(Double.init), dbRef) < 1e-5, "\(label) db")
          #expect(zip(r.dw, mf).allSatisfy { $1 != 0 || $0 == 0 }, "\(label) pruned dw")
          #expect(Gradcheck.scaledMaxError(r.y.map(Double.init), yd.map(Double.init)) < 1e-5)
          #expect(Gradcheck.scaledMaxError(r.dx.map(Double.init), dxd.map(Double.init)) < 1e-5)
          #expect(Gradcheck.scaledMaxError(r.dw.map(Double.init), dwd.map(Double.init)) < 1e-5)
        }
      }
    }
    KernelThreads.set(1)
  }

  /// Repeat runs and thread counts give the same bits (each output has one writer, in a fixed
  /// order), and the relu option is relu of the plain output.
  @Test func bitIdenticalOnRepeatAndAcrossThreads() {
    let g = Self.geometries[1]
    var rng = TestRandom(seed: 7)
    let x = rng.uniforms(g.batch * g.inChannels * 144).map(Float.init)
    let w = rng.uniforms(g.outChannels * g.inChannels * 25, scale: 0.2).map(Float.init)
    let b = rng.uniforms(g.outChannels).map(Float.init)
    let dy = rng.uniforms(g.batch * g.outChannels * 64).map(Float.init)
    let m = Self.convMask(g, density: 0.07, rng: &rng).map(Float.init)
    KernelThreads.set(1)
    let one = Self.runSparse(g, mask: m, x: x, w: w, b: b, dy: dy)
    KernelThreads.set(2)
    let two = Self.runSparse(g, mask: m, x: x, w: w, b: b, dy: dy)
    let again = Self.runSparse(g, mask: m, x: x, w: w, b: b, dy: dy)
    #expect(one == two)
    #expect(two == again)
    let kernel = m.withUnsafeBufferPointer { SparseConvolutionKernel(g, mask: $0.baseAddress!) }
    var relu = [Float](repeating: .nan, count: dy.count)
    kernel.forward(src: x, weights: w, bias: b, dst: &relu, batch: g.batch, relu: true)
    #expect(relu == one.y.map { max($0, 0) })
    KernelThreads.set(1)
  }

  /// A batch below the kernel's maximum uses only its own examples.
  @Test func smallerBatchThanReserved() {
    var g = Self.geometries[3]
    var rng = TestRandom(seed: 9)
    let m = Self.convMask(g, density: 0.3, rng: &rng).map(Float.init)
    let kernel = m.withUnsafeBufferPointer { SparseConvolutionKernel(g, mask: $0.baseAddress!) }
    g.batch = 1
    let x = rng.uniforms(g.inChannels * 64).map(Float.init)
    let w = rng.uniforms(g.outChannels * g.inChannels * 9).map { Float($0) } .enumerated().map {
      $0.element * m[$0.offset]
    }
    let b = [Float](repeating: 0.25, count: g.outChannels)
    var y = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
    kernel.forward(src: x, weights: w, bias: b, dst: &y, batch: 1)
    let ref = Reference.convForward(
      x.map(Double.init), w.map(Double.init), b.map(Double.init), g)
    #expect(Gradcheck.scaledMaxError(y.map(Double.init), ref) < 1e-5)
  }

  @Test(arguments: [(1, 7, 3), (13, 1024, 10), (64, 50, 33), (9, 20, 1)])
  func denseMatchesReference(batch: Int, inputs: Int, outputs: Int) {
    var rng = TestRandom(seed: UInt64(batch * 1000 + inputs + outputs))
    let x = rng.uniforms(batch * inputs)
    let wAll = rng.uniforms(outputs * inputs, scale: 0.2)
    let b = rng.uniforms(outputs)
    let dy = rng.uniforms(batch * outputs)
    for density in Self.densities {
      var m = (0..<(outputs * inputs)).map { _ in rng.unit() < density ? 1.0 : 0 }
      if density > 0 && density < 1 && outputs > 1 {
        for i in 0..<inputs { m[i] = 0 }  // an empty row
        for o in 0..<outputs { m[o * inputs] = 0 }  // an input no unit reads
      }
      let w = zip(wAll, m).map { $0 * $1 }
      let yRef = Reference.denseForward(x, w, b, batch: batch, inputs: inputs, outputs: outputs)
      let (dxRef, dwAll, dbRef) = Reference.denseBackward(
        x, w, dy, batch: batch, inputs: inputs, outputs: outputs)
      let dwRef = zip(dwAll, m).map { $0 * $1 }
      let mf = m.map(Float.init)
      for portable in [false, true] {
        SparseKernelPath.forcePortable(portable)
        defer { SparseKernelPath.forcePortable(false) }
        var results: [[Float]] = []
        for threads in [1, 2, 2] {
          KernelThreads.set(threads)
          let kernel = mf.withUnsafeBufferPointer {
            SparseDenseKernel(
              inputs: inputs, outputs: outputs, maxBatch: batch + 5, mask: $0.baseAddress!)
          }
          var y = [Float](repeating: .nan, count: batch * outputs)
          var dx = [Float](repeating: .nan, count: batch * inputs)
          var dw = [Float](repeating: .nan, count: outputs * inputs)
          var db = [Float](repeating: .nan, count: outputs)
          let wf = w.map(Float.init)
          kernel.forward(
            x: x.map(Float.init), weights: wf, bias: b.map(Float.init), y: &y, batch: batch)
          kernel.backward(
            dy: dy.map(Float.init), weights: wf, dx: &dx, diffWeights: &dw, diffBias: &db,
            batch: batch)
          let label = "dense \(batch)x\(inputs)->\(outputs) density \(density) threads \(threads)"
          #expect(Gradcheck.scaledMaxError(y.map(Double.init), yRef) < 1e-5, "\(label) y")
          #expect(Gradcheck.scaledMaxError(dx.map(Double.init), dxRef) < 1e-5, "\(label) dx")
          #expect(Gradcheck.scaledMaxError(dw.map(Double.init), dwRef) < 1e-5, "\(label) dw")
          #expect(Gradcheck.scaledMaxError(db.map(Double.init), dbRef) < 1e-5, "\(label) db")
          results.append(y + dx + dw + db)
        }
        #expect(results[0] == results[1] && results[1] == results[2])
      }
    }
    KernelThreads.set(1)
  }
}

/// The vectorised 2x2 pool against `Pooling` (arg-max and relu), with many ties (values on a
/// coarse grid) and widths with and without a vector tail.
@Suite(.serialized) struct PairMaxPoolTests {
  @Test(arguments: [(3, 24, 24), (2, 8, 8), (2, 6, 40), (1, 2, 2), (4, 10, 34)])
  func matchesPoolingWithReLU(planes: Int, height: Int, width: Int) {
    var rng = TestRandom(seed: UInt64(planes * 100 + width))
    let x = (0..<(planes * height * width)).map { _ in Float((rng.uniform() * 3).rounded()) / 2 }
    let dy = rng.uniforms(planes * height * width / 4).map(Float.init)
    var expectedY = [Float](repeating: .nan, count: dy.count)
    var argmax = [Int32](repeating: 0, count: dy.count)
    Pooling.maxForward(
      x, &expectedY, argmax: &argmax, planes: planes, height: height, width: width, window: 2,
      stride: 2, relu: true)
    var expectedDx = [Float](repeating: .nan, count: x.count)
    Pooling.maxBackward(
      dy, argmax: argmax, &expectedDx, planes: planes, height: height, width: width, window: 2,
      stride: 2, relu: expectedY)
    for portable in [false, true] {
      SparseKernelPath.forcePortable(portable)
      defer { SparseKernelPath.forcePortable(false) }
      var y = [Float](repeating: .nan, count: dy.count)
      var dx = [Float](repeating: .nan, count: x.count)
      PairMaxPool.forward(x, &y, planes: planes, height: height, width: width)
      PairMaxPool.backward(x: x, dy: dy, dx: &dx, planes: planes, height: height, width: width)
      #expect(y == expectedY, "portable \(portable)")
      #expect(dx == expectedDx, "portable \(portable)")
    }
  }
}
