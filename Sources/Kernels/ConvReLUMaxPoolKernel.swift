internal import CDNNL

/// Convolution, ReLU and max pooling (VALID windows) for one geometry: the Simple-CNN block.
/// The large pre-pool activation and its gradient never leave oneDNN's channel-blocked layout
/// (`nChw8c` on AVX2): no reorders of them, and pooling runs 8 channels per SIMD lane group.
///
/// Forward: the convolution with a fused ReLU post-op (oneDNN), then a max pool written here
/// over the blocked output, storing the pooled result straight into the caller's NCHW `dst`.
/// Backward: each window's gradient goes to its first maximum (row-major order, as the reference
/// kernel), recomputed from the kept pre-pool activation instead of a stored arg-max, and only
/// where the maximum is positive (the ReLU's derivative, taken after the pool: relu(max(x)) =
/// max(relu(x)) since ReLU is monotonic); it is written straight into the convolution's blocked
/// diff-dst, which the convolution's backward passes then read in place.
///
/// oneDNN's own pooling primitive on the same blocked memory measured 3x slower than these loops
/// on the AVX2 machine (15 ms against 5 ms per B256 forward at 1 thread). Nothing is allocated
/// per call.
public final class ConvReLUMaxPoolKernel {
  public let geometry: ConvGeometry
  public let window: Int
  public let stride: Int
  public let pooledHeight: Int
  public let pooledWidth: Int
  let context: DNNLContext
  let convolution: ConvolutionKernel
  let sourceLayout: ChannelBlockedLayout
  let gradientLayout: ChannelBlockedLayout
  let activation: UnsafeMutablePointer<Float>
  let activationGradient: UnsafeMutablePointer<Float>

  /// Implementation names: convolution forward, backward data, backward weights.
  public let implementations: [String]

  /// Prefix of this kernel's `StepProfiler` labels (the layer's name).
  public var label = "conv" {
    didSet { convolution.label = label }
  }

  public init(_ g: ConvGeometry, window: Int, stride: Int, context: DNNLContext) throws {
    guard window > 0, stride > 0, g.outHeight >= window, g.outWidth >= window else {
      throw DNNLError(
        call: "max pool \(window)/\(stride) on \(g.outHeight)x\(g.outWidth)", status: -1)
    }
    self.geometry = g
    self.window = window
    self.stride = stride
    self.context = context
    pooledHeight = (g.outHeight - window) / stride + 1
    pooledWidth = (g.outWidth - window) / stride + 1
    // A single input channel (the first layer): oneDNN's blocked backward-weights is slow there
    // (28.5 ms against 16.0 ms for its im2col + sgemm one on plain layouts, Simple-CNN conv1 at
    // B256 on one AVX2 core; the reorder of its gradient to NCHW costs 3 ms), so that pass
    // runs on plain layouts.
    convolution = try ConvolutionKernel(
      g, context: context, internalDestination: true, reluPostOp: true,
      plainBackwardWeights: g.inChannels == 1)
    guard let source = ChannelBlockedLayout(convolution.destination.desc),
      let gradient = ChannelBlockedLayout(convolution.diffDestination.desc),
      let x = convolution.destination.dataHandle, let dx = convolution.diffDestination.dataHandle
    else {
      throw DNNLError(call: "convolution output layout is not blocked on channels", status: -1)
    }
    guard source.block == gradient.block || gradient.block == 1 else {
      throw DNNLError(
        call: "convolution output and gradient layouts differ in blocking", status: -1)
    }
    sourceLayout = source
    gradientLayout = gradient
    activation = x.assumingMemoryBound(to: Float.self)
    activationGradient = dx.assumingMemoryBound(to: Float.self)
    implementations = convolution.implementations
  }

  /// Whether the windows tile the activation exactly (each element in exactly one window), so
  /// backward writes every gradient element once without zeroing first.
  var windowsTile: Bool {
    stride == window && pooledHeight * window == geometry.outHeight
      && pooledWidth * window == geometry.outWidth
  }

  /// dst `(N, Cout, Hp, Wp)` = maxpool(relu(conv(src, weights) + bias)).
  public func forward(
    src: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    dst: UnsafeMutablePointer<Float>
  ) throws {
    try convolution.forward(src: src, weights: weights, bias: bias, dst: dst)
    StepProfiler.measure("\(label) pool") {
      KernelThreads.parallelFor(planeBlocks, minimumPerThread: 4) { poolForward(dst, $0) }
    }
  }

  /// Gradients of one batch; must follow `forward` on the same `src` and `weights`.
  /// `diffWeights`, `diffBias` are overwritten with the batch sums; `diffSrc` `(N, Cin, H, W)`
  /// is written unless `nil`.
  public func backward(
    src: UnsafePointer<Float>, weights: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
    diffSrc: UnsafeMutablePointer<Float>?, diffWeights: UnsafeMutablePointer<Float>,
    diffBias: UnsafeMutablePointer<Float>
  ) throws {
    StepProfiler.measure("\(label) poolBackward") {
      if !windowsTile {
        // Overlapping windows accumulate; uncovered border rows/columns get zero.
        activationGradient.update(repeating: 0, count: geometry.batch * gradientLayout.batchStride)
      }
      KernelThreads.parallelFor(planeBlocks, minimumPerThread: 4) { poolBackward(diffDst, $0) }
    }
    try convolution.backward(
      src: src, weights: weights, diffDst: diffDst, diffSrc: diffSrc, diffWeights: diffWeights,
      diffBias: diffBias)
  }

  // MARK: Pooling on the blocked activation

  /// (example, channel block) pairs: the unit of work split across threads.
  var planeBlocks: Int { geometry.batch * (sourceLayout.paddedChannels / sourceLayout.block) }

  /// For each (example, channel block) task of `range`: `body(n, c0, lanes, block, first)` with
  /// the block's first channel, its real channels (the last block of a padded layout has
  /// fewer), the block's corner in the activation, and the offset of its first pooled plane.
  @inline(__always)
  private func forEachChannelBlock(
    _ range: Range<Int>,
    _ body: (
      _ n: Int, _ c0: Int, _ lanes: Int, _ block: UnsafeMutablePointer<Float>, _ first: Int
    ) -> Void
  ) {
    let L = sourceLayout
    let (channels, plane) = (geometry.outChannels, pooledHeight * pooledWidth)
    let blocks = L.paddedChannels / L.block
    for t in range {
      let (n, cb) = t.quotientAndRemainder(dividingBy: blocks)
      let c0 = cb * L.block
      body(
        n, c0, min(L.block, channels - c0),
        activation + n * L.batchStride + cb * L.channelBlockStride, (n * channels + c0) * plane)
    }
  }

  private func poolForward(_ y: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
    let L = sourceLayout
    let plane = pooledHeight * pooledWidth
    forEachChannelBlock(range) { _, _, lanes, base, first in
      let yBase = y + first
      for i in 0..<pooledHeight {
        for j in 0..<pooledWidth {
          let corner = base + i * stride * L.rowStride + j * stride * L.columnStride
          let o = i * pooledWidth + j
          var l = 0
          // Eight channels at a time where the block allows it.
          while l + 8 <= lanes && L.block % 8 == 0 {
            var best = load8(corner + l)
            for di in 0..<window {
              for dj in 0..<window {
                best = max8(
                  best, load8(corner + di * L.rowStride + dj * L.columnStride + l))
              }
            }
            for k in 0..<8 { yBase[(l + k) * plane + o] = best[k] }
            l += 8
          }
          while l < lanes {
            var best = corner[l]
            for di in 0..<window {
              for dj in 0..<window {
                best = max(best, corner[di * L.rowStride + dj * L.columnStride + l])
              }
            }
            yBase[l * plane + o] = best
            l += 1
          }
        }
      }
    }
  }

  /// The gradient is written in the activation's layout (`ConvolutionKernel` makes its internal
  /// diff-dst so); should a layout ever differ in blocking, lanes are stored one by one.
  private func poolBackward(_ dy: UnsafePointer<Float>, _ range: Range<Int>) {
    let (X, D) = (sourceLayout, gradientLayout)
    let plane = pooledHeight * pooledWidth
    let tiles = windowsTile
    let sameBlocks = X.block == D.block
    /// Element offset of `(n, c, h, w)` in the gradient.
    @inline(__always) func dOffset(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Int {
      n * D.batchStride + (c / D.block) * D.channelBlockStride + c % D.block + h * D.rowStride
        + w * D.columnStride
    }
    @inline(__always) func put(_ value: Float, at offset: Int) {
      let at = activationGradient + offset
      at.pointee = tiles ? value : at.pointee + value
    }
    forEachChannelBlock(range) { n, c0, lanes, xBase, first in
      let dyBase = dy + first
      for i in 0..<pooledHeight {
        for j in 0..<pooledWidth {
          let (h0, w0) = (i * stride, j * stride)
          let xCorner = xBase + h0 * X.rowStride + w0 * X.columnStride
          let o = i * pooledWidth + j
          var l = 0
          while l + 8 <= X.block && X.block % 8 == 0 {
            var best = load8(xCorner + l)
            for di in 0..<window {
              for dj in 0..<window {
                best = max8(best, load8(xCorner + di * X.rowStride + dj * X.columnStride + l))
              }
            }
            var g = SIMD8<Float>(repeating: 0)
            let valid = min(8, max(lanes - l, 0))
            for k in 0..<valid { g[k] = dyBase[(l + k) * plane + o] }
            g.replace(with: 0, where: .!(best .> 0))
            var taken = SIMDMask<SIMD8<Int32>>(repeating: false)
            for di in 0..<window {
              for dj in 0..<window {
                let v = load8(xCorner + di * X.rowStride + dj * X.columnStride + l)
                let hit = (v .== best) .& .!taken
                taken = taken .| hit
                let out = SIMD8<Float>(repeating: 0).replacing(with: g, where: hit)
                if sameBlocks {
                  let at = activationGradient + dOffset(n, c0 + l, h0 + di, w0 + dj)
                  let sum = tiles ? out : out + load8(at)
                  UnsafeMutableRawPointer(at).storeBytes(of: sum, as: SIMD8<Float>.self)
                } else {
                  for k in 0..<valid { put(out[k], at: dOffset(n, c0 + l + k, h0 + di, w0 + dj)) }
                }
              }
            }
            l += 8
          }
          // Lanes not covered by whole vectors (blocks of 1, or narrower than 8).
          while l < (sameBlocks ? X.block : lanes) {
            var best = xCorner[l]
            for di in 0..<window {
              for dj in 0..<window {
                best = max(best, xCorner[di * X.rowStride + dj * X.columnStride + l])
              }
            }
            let g: Float = l < lanes && best > 0 ? dyBase[l * plane + o] : 0
            var taken = false
            for di in 0..<window {
              for dj in 0..<window {
                let hit = !taken && xCorner[di * X.rowStride + dj * X.columnStride + l] == best
                taken = taken || hit
                put(hit ? g : 0, at: dOffset(n, c0 + l, h0 + di, w0 + dj))
              }
            }
            l += 1
          }
        }
      }
    }
  }
}

/// Lane-wise maximum (the standard library's generic `pointwiseMax` was not inlined and cost 20%
/// of a step).
@inline(__always)
private func max8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
  a.replacing(with: b, where: b .> a)
}

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
