import Kernels
import StepwiseTestSupport
import Testing

/// The fused convolution + ReLU + max-pool kernel (oneDNN convolution, pooling on its blocked
/// output) against the reference kernels run one after the other in Double: conv, relu, pool
/// forward; pool, relu, conv backward. Same tolerance as `ConvolutionKernelTests`.
@Suite struct ConvReLUMaxPoolKernelTests {
  static let cases: [(ConvGeometry, window: Int, stride: Int)] = [
    // Simple-CNN's blocks: 1 -> 32 channels on 28x28, and 32 -> 64 on 12x12; 2x2 windows tile.
    (
      ConvGeometry(
        batch: 3, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32, kernelHeight: 5,
        kernelWidth: 5), 2, 2
    ),
    (
      ConvGeometry(
        batch: 2, inChannels: 32, inHeight: 12, inWidth: 12, outChannels: 64, kernelHeight: 5,
        kernelWidth: 5), 2, 2
    ),
    // Channels that do not fill a block (padded lanes), SAME padding, batch 1.
    (
      ConvGeometry(
        batch: 1, inChannels: 3, inHeight: 10, inWidth: 10, outChannels: 6, kernelHeight: 3,
        kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), 2, 2
    ),
    // Windows that overlap (3/2) and leave a border uncovered (7x7 output, 2/2): the
    // accumulate-into-zeroed path.
    (
      ConvGeometry(
        batch: 2, inChannels: 4, inHeight: 9, inWidth: 9, outChannels: 16, kernelHeight: 3,
        kernelWidth: 3), 3, 2
    ),
    (
      ConvGeometry(
        batch: 2, inChannels: 2, inHeight: 9, inWidth: 9, outChannels: 24, kernelHeight: 3,
        kernelWidth: 3), 2, 2
    ),
  ]

  @Test(arguments: 0..<5, [1, 2])
  func fusedBlockMatchesReferenceLayers(index: Int, threads: Int) throws {
    let (g, window, stride) = Self.cases[index]
    KernelThreads.set(threads)
    defer { KernelThreads.set(1) }
    let kernel = try ConvReLUMaxPoolKernel(
      g, window: window, stride: stride, context: try DNNLContext())
    var rng = TestRandom(seed: UInt64(10 + index))
    let x = rng.uniforms(g.batch * g.inChannels * g.inHeight * g.inWidth)
    let w = rng.uniforms(g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth, scale: 0.3)
    let b = rng.uniforms(g.outChannels, scale: 0.1)
    let planes = g.batch * g.outChannels
    let (ph, pw) = (kernel.pooledHeight, kernel.pooledWidth)
    let dy = rng.uniforms(planes * ph * pw)

    // Reference: conv, relu, max pool; and back.
    let conv = Reference.convForward(x, w, b, g)
    let activated = Reference.reluForward(conv)
    let yRef = Reference.maxPoolForward(
      activated, planes: planes, height: g.outHeight, width: g.outWidth, window: window,
      stride: stride)
    let dActivated = Reference.maxPoolBackward(
      activated, dy, planes: planes, height: g.outHeight, width: g.outWidth, window: window,
      stride: stride)
    let dConv = Reference.reluBackward(conv, dActivated)
    let (dxRef, dwRef, dbRef) = Reference.convBackward(x, w, dConv, g)

    let (xf, wf, bf, dyf) = (
      x.map(Float.init), w.map(Float.init), b.map(Float.init), dy.map(Float.init)
    )
    var r = try kernel.run(x: xf, w: wf, b: bf, dy: dyf, outputs: yRef.count)
    #expect(Gradcheck.scaledMaxError(r.y.map(Double.init), yRef) < 1e-5)
    #expect(Gradcheck.scaledMaxError(r.dx.map(Double.init), dxRef) < 1e-5)
    #expect(Gradcheck.scaledMaxError(r.dw.map(Double.init), dwRef) < 1e-5)
    #expect(Gradcheck.scaledMaxError(r.db.map(Double.init), dbRef) < 1e-5)
    // Some windows must have sent gradient and some not, or the test checks too little.
    #expect(dActivated.contains { $0 != 0 } && dConv.contains { $0 == 0 })

    // Twice on the same data: the same bits (the pooling split across threads is static).
    var y2 = [Float](repeating: .nan, count: r.y.count)
    var dw2 = [Float](repeating: .nan, count: w.count)
    try kernel.forward(src: xf, weights: wf, bias: bf, dst: &y2)
    try kernel.backward(
      src: xf, weights: wf, diffDst: dyf, diffSrc: nil, diffWeights: &dw2, diffBias: &r.db)
    #expect(y2 == r.y)
    #expect(dw2 == r.dw)
  }

  @Test(arguments: [1, 2])
  func parallelForVisitsEveryIndexOnce(threads: Int) {
    KernelThreads.set(threads)
    defer { KernelThreads.set(1) }
    for count in [0, 1, 7, 1000] {
      var hits = [Int](repeating: 0, count: count)
      hits.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress
        KernelThreads.parallelFor(count) { range in
          for i in range { base?[i] += 1 }
        }
      }
      #expect(hits == [Int](repeating: 1, count: count), "count \(count)")
    }
  }
}
