internal import CDNNL

/// The shape of one 2-D convolution at one batch size. Padding may be asymmetric: TensorFlow's
/// SAME padding with stride 2 on an even size pads one row/column at the bottom/right only.
public struct ConvGeometry: Hashable, Sendable {
  public var batch: Int
  public var inChannels: Int
  public var inHeight: Int
  public var inWidth: Int
  public var outChannels: Int
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  public var padTop: Int
  public var padLeft: Int
  public var padBottom: Int
  public var padRight: Int

  public init(
    batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
    kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
    padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0
  ) {
    self.batch = batch
    self.inChannels = inChannels
    self.inHeight = inHeight
    self.inWidth = inWidth
    self.outChannels = outChannels
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.strideHeight = strideHeight
    self.strideWidth = strideWidth
    self.padTop = padTop
    self.padLeft = padLeft
    self.padBottom = padBottom
    self.padRight = padRight
  }

  public var outHeight: Int { (inHeight + padTop + padBottom - kernelHeight) / strideHeight + 1 }
  public var outWidth: Int { (inWidth + padLeft + padRight - kernelWidth) / strideWidth + 1 }
  /// Multiply-adds of the forward pass for the whole batch.
  public var macs: Int {
    batch * outChannels * outHeight * outWidth * inChannels * kernelHeight * kernelWidth
  }
}

/// A oneDNN convolution (forward, backward-data, backward-weights) for one geometry, with
/// everything created once: primitive descriptors, primitives, internal buffers and reorders.
///
/// The caller's tensors are plain: activations `(N, C, H, W)` (NCHW), weights `(O, I, kH, kW)`
/// (OIHW, PyTorch's layout), bias `(O)`. oneDNN picks its own layouts (`format_tag_any`, usually
/// `nChw16c` and blocked weights on AVX-512, about 2x faster than plain NCHW here); where they
/// differ from the plain ones, this kernel reorders into internal buffers it owns. Each call binds
/// the caller's pointers to the plain memory objects: no allocation per call.
public final class ConvolutionKernel {
  public let geometry: ConvGeometry
  let context: DNNLContext

  // Plain memories bound to caller buffers on every call.
  let userSrc: DNNLMemory
  let userWeights: DNNLMemory
  let userBias: DNNLMemory
  let userDst: DNNLMemory
  let userDiffDst: DNNLMemory
  let userDiffSrc: DNNLMemory
  let userDiffWeights: DNNLMemory
  let userDiffBias: DNNLMemory

  // Forward.
  let forwardPrimitive: DNNLPrimitive
  let fwdSrc: DNNLMemory
  let fwdWeights: DNNLMemory
  let fwdDst: DNNLMemory
  let srcReorder: DNNLPrimitive?
  let weightsReorder: DNNLPrimitive?
  let dstReorder: DNNLPrimitive?

  // Backward data.
  let backwardDataPrimitive: DNNLPrimitive
  let bdDiffDst: DNNLMemory
  let bdWeights: DNNLMemory
  let bdDiffSrc: DNNLMemory
  let bdDiffDstReorder: DNNLPrimitive?
  let bdWeightsReorder: DNNLPrimitive?
  let bdDiffSrcReorder: DNNLPrimitive?

  // Backward weights.
  let backwardWeightsPrimitive: DNNLPrimitive
  let bwSrc: DNNLMemory
  let bwDiffDst: DNNLMemory
  let bwDiffWeights: DNNLMemory
  let bwSrcReorder: DNNLPrimitive?
  let bwDiffDstReorder: DNNLPrimitive?
  let bwDiffWeightsReorder: DNNLPrimitive?

  let internalDestination: Bool
  /// In `internalDestination` mode: the output gradient the caller writes, in the forward
  /// output's layout, and copies of it into the backward passes' layouts where they differ.
  let internalDiffDst: DNNLMemory?
  let bdDiffDstFromInternal: DNNLPrimitive?

  /// Implementation names oneDNN chose (forward, backward data, backward weights).
  public let implementations: [String]
  /// Prefix of this kernel's `StepProfiler` labels (the layer's name).
  public var label = "conv"

  /// With `internalDestination`, the output and its gradient stay in oneDNN's layout inside the
  /// kernel (`destination`, `diffDestination`) for a following primitive on the same layout
  /// (`ConvReLUMaxPoolKernel`); `forward`/`backward` then ignore `dst`/`diffDst`. With
  /// `reluPostOp`, the forward output is relu(conv + bias), fused into the convolution.
  /// `plainBackwardWeights` runs the backward-weights pass on NCHW/OIHW (oneDNN then picks its
  /// im2col + sgemm implementation).
  public init(
    _ g: ConvGeometry, context: DNNLContext, internalDestination: Bool = false,
    reluPostOp: Bool = false,
    plainBackwardWeights: Bool = false
  ) throws {
    self.geometry = g
    self.context = context
    self.internalDestination = internalDestination
    let srcDims = [g.batch, g.inChannels, g.inHeight, g.inWidth]
    let wDims = [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth]
    let dstDims = [g.batch, g.outChannels, g.outHeight, g.outWidth]
    let srcPlain = try plainDesc(srcDims, dnnl_nchw)
    let wPlain = try plainDesc(wDims, dnnl_oihw)
    let bPlain = try plainDesc([g.outChannels], dnnl_x)
    let dstPlain = try plainDesc(dstDims, dnnl_nchw)
    let anyTag = dnnl_format_tag_any
    var srcAny = try plainDesc(srcDims, anyTag)
    var wAny = try plainDesc(wDims, anyTag)
    var bAny = bPlain
    var dstAny = try plainDesc(dstDims, anyTag)
    let strides: [Int64] = [Int64(g.strideHeight), Int64(g.strideWidth)]
    let padL: [Int64] = [Int64(g.padTop), Int64(g.padLeft)]
    let padR: [Int64] = [Int64(g.padBottom), Int64(g.padRight)]

    userSrc = try DNNLMemory(srcPlain, context, owned: false)
    userWeights = try DNNLMemory(wPlain, context, owned: false)
    userBias = try DNNLMemory(bPlain, context, owned: false)
    let destinationMemories = [
      try DNNLMemory(dstPlain, context, owned: false),
      try DNNLMemory(dstPlain, context, owned: false),
    ]
    userDst = destinationMemories[0]
    userDiffDst = destinationMemories[1]
    userDiffSrc = try DNNLMemory(srcPlain, context, owned: false)
    userDiffWeights = try DNNLMemory(wPlain, context, owned: false)
    userDiffBias = try DNNLMemory(bPlain, context, owned: false)

    /// Either the caller's plain memory (same layout) or an owned internal one plus a reorder.
    func internalMemory(
      _ desc: dnnl_memory_desc_t, plain: DNNLMemory, toInternal: Bool
    ) throws -> (DNNLMemory, DNNLPrimitive?) {
      if internalDestination && destinationMemories.contains(where: { $0 === plain }) {
        return (try DNNLMemory(desc, context, owned: true), nil)
      }
      if descsEqual(desc, plain.desc) { return (plain, nil) }
      let mem = try DNNLMemory(desc, context, owned: true)
      let reorder =
        toInternal
        ? try makeReorder(from: plain, to: mem, context)
        : try makeReorder(from: mem, to: plain, context)
      return (mem, reorder)
    }

    // Forward.
    var fd = dnnl_convolution_desc_t()
    try check(
      dnnl_convolution_forward_desc_init(
        &fd, dnnl_forward_training, dnnl_convolution_direct, &srcAny, &wAny, &bAny, &dstAny,
        strides, padL, padR), "convolution_forward_desc_init")
    var fpdOpt: dnnl_primitive_desc_t?
    let attr = try reluPostOp ? reluPostOpAttribute() : nil
    defer { if let attr { dnnl_primitive_attr_destroy(attr) } }
    try check(
      dnnl_primitive_desc_create(&fpdOpt, &fd, attr, context.engine, nil), "conv fwd pd")
    guard let fpd = fpdOpt else { throw DNNLError(call: "conv fwd pd", status: -1) }
    defer { dnnl_primitive_desc_destroy(fpd) }
    (fwdSrc, srcReorder) = try internalMemory(
      queryDesc(fpd, dnnl_query_src_md), plain: userSrc, toInternal: true)
    (fwdWeights, weightsReorder) = try internalMemory(
      queryDesc(fpd, dnnl_query_weights_md), plain: userWeights, toInternal: true)
    (fwdDst, dstReorder) = try internalMemory(
      queryDesc(fpd, dnnl_query_dst_md), plain: userDst, toInternal: false)
    forwardPrimitive = try DNNLPrimitive(
      fpd,
      args: [
        (DNNL_ARG_SRC, fwdSrc), (DNNL_ARG_WEIGHTS, fwdWeights), (DNNL_ARG_BIAS, userBias),
        (DNNL_ARG_DST, fwdDst),
      ])

    // Backward data.
    var bd = dnnl_convolution_desc_t()
    var diffSrcAny = srcAny
    var diffDstAny = dstAny
    var wAny2 = wAny
    try check(
      dnnl_convolution_backward_data_desc_init(
        &bd, dnnl_convolution_direct, &diffSrcAny, &wAny2, &diffDstAny, strides, padL, padR),
      "convolution_backward_data_desc_init")
    var bdpdOpt: dnnl_primitive_desc_t?
    try check(
      dnnl_primitive_desc_create(&bdpdOpt, &bd, nil, context.engine, fpd), "conv bwd-data pd")
    guard let bdpd = bdpdOpt else { throw DNNLError(call: "conv bwd-data pd", status: -1) }
    defer { dnnl_primitive_desc_destroy(bdpd) }
    let bdDiffDstDesc = try queryDesc(bdpd, dnnl_query_diff_dst_md)
    let bdWeightsDesc = try queryDesc(bdpd, dnnl_query_weights_md)
    let internalDiff = internalDestination ? try DNNLMemory(fwdDst.desc, context, owned: true) : nil
    internalDiffDst = internalDiff
    if let internalDiff {
      bdDiffDstReorder = nil
      if descsEqual(bdDiffDstDesc, internalDiff.desc) {
        (bdDiffDst, bdDiffDstFromInternal) = (internalDiff, nil)
      } else {
        bdDiffDst = try DNNLMemory(bdDiffDstDesc, context, owned: true)
        bdDiffDstFromInternal = try makeReorder(from: internalDiff, to: bdDiffDst, context)
      }
    } else {
      (bdDiffDst, bdDiffDstReorder) = try internalMemory(
        bdDiffDstDesc, plain: userDiffDst, toInternal: true)
      bdDiffDstFromInternal = nil
    }
    if descsEqual(bdWeightsDesc, fwdWeights.desc) {
      // Same blocked layout as forward: reuse the weights forward already reordered.
      (bdWeights, bdWeightsReorder) = (fwdWeights, nil)
    } else {
      (bdWeights, bdWeightsReorder) = try internalMemory(
        bdWeightsDesc, plain: userWeights, toInternal: true)
    }
    (bdDiffSrc, bdDiffSrcReorder) = try internalMemory(
      queryDesc(bdpd, dnnl_query_diff_src_md), plain: userDiffSrc, toInternal: false)
    backwardDataPrimitive = try DNNLPrimitive(
      bdpd,
      args: [
        (DNNL_ARG_DIFF_DST, bdDiffDst), (DNNL_ARG_WEIGHTS, bdWeights),
        (DNNL_ARG_DIFF_SRC, bdDiffSrc),
      ])

    // Backward weights.
    var bw = dnnl_convolution_desc_t()
    // `plainBackwardWeights`: NCHW/OIHW for this pass only (oneDNN's im2col + sgemm kernel).
    var srcAny2 = plainBackwardWeights ? srcPlain : srcAny
    var diffWAny = plainBackwardWeights ? wPlain : wAny
    var diffBAny = bPlain
    var diffDstAny2 = plainBackwardWeights ? dstPlain : dstAny
    try check(
      dnnl_convolution_backward_weights_desc_init(
        &bw, dnnl_convolution_direct, &srcAny2, &diffWAny, &diffBAny, &diffDstAny2, strides,
        padL, padR), "convolution_backward_weights_desc_init")
    var bwpdOpt: dnnl_primitive_desc_t?
    try check(
      dnnl_primitive_desc_create(&bwpdOpt, &bw, nil, context.engine, fpd), "conv bwd-w pd")
    guard let bwpd = bwpdOpt else { throw DNNLError(call: "conv bwd-w pd", status: -1) }
    defer { dnnl_primitive_desc_destroy(bwpd) }
    let bwSrcDesc = try queryDesc(bwpd, dnnl_query_src_md)
    if descsEqual(bwSrcDesc, fwdSrc.desc) {
      (bwSrc, bwSrcReorder) = (fwdSrc, nil)
    } else {
      (bwSrc, bwSrcReorder) = try internalMemory(bwSrcDesc, plain: userSrc, toInternal: true)
    }
    let bwDiffDstDesc = try queryDesc(bwpd, dnnl_query_diff_dst_md)
    if let internalDiff {
      if descsEqual(bwDiffDstDesc, internalDiff.desc) {
        (bwDiffDst, bwDiffDstReorder) = (internalDiff, nil)
      } else {
        bwDiffDst = try DNNLMemory(bwDiffDstDesc, context, owned: true)
        bwDiffDstReorder = try makeReorder(from: internalDiff, to: bwDiffDst, context)
      }
    } else if descsEqual(bwDiffDstDesc, bdDiffDst.desc) {
      (bwDiffDst, bwDiffDstReorder) = (bdDiffDst, nil)
    } else {
      (bwDiffDst, bwDiffDstReorder) = try internalMemory(
        bwDiffDstDesc, plain: userDiffDst, toInternal: true)
    }
    (bwDiffWeights, bwDiffWeightsReorder) = try internalMemory(
      queryDesc(bwpd, dnnl_query_diff_weights_md), plain: userDiffWeights, toInternal: false)
    backwardWeightsPrimitive = try DNNLPrimitive(
      bwpd,
      args: [
        (DNNL_ARG_SRC, bwSrc), (DNNL_ARG_DIFF_DST, bwDiffDst),
        (DNNL_ARG_DIFF_WEIGHTS, bwDiffWeights), (DNNL_ARG_DIFF_BIAS, userDiffBias),
      ])
    implementations = [
      implementationName(fpd), implementationName(bdpd), implementationName(bwpd),
    ]
  }

  /// dst = conv(src, weights) + bias. src `(N, Cin, H, W)`, weights `(Cout, Cin, kH, kW)`,
  /// bias `(Cout)`, dst `(N, Cout, Ho, Wo)`.
  public func forward(
    src: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    dst: UnsafeMutablePointer<Float>
  ) throws {
    userSrc.bind(src)
    userWeights.bind(weights)
    userBias.bind(bias)
    if !internalDestination { userDst.bind(dst) }
    try run(srcReorder, "srcReorder")
    try run(weightsReorder, "weightsReorder")
    try run(forwardPrimitive, "forwardPrimitive")
    try run(dstReorder, "dstReorder")
  }

  /// Gradients of one batch. Must follow `forward` on the same `src` and `weights` (it reuses
  /// their reordered copies). `diffWeights` `(Cout, Cin, kH, kW)` and `diffBias` `(Cout)` are
  /// overwritten with the batch sums; `diffSrc` `(N, Cin, H, W)` is written unless `nil` (the
  /// first layer needs no input gradient).
  public func backward(
    src: UnsafePointer<Float>, weights: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
    diffSrc: UnsafeMutablePointer<Float>?, diffWeights: UnsafeMutablePointer<Float>,
    diffBias: UnsafeMutablePointer<Float>
  ) throws {
    userSrc.bind(src)
    userWeights.bind(weights)
    userDiffWeights.bind(diffWeights)
    userDiffBias.bind(diffBias)
    if !internalDestination {
      userDiffDst.bind(diffDst)
      try run(bdDiffDstReorder, "bdDiffDstReorder")
    }
    try run(bwDiffDstReorder, "bwDiffDstReorder")
    try run(bwSrcReorder, "bwSrcReorder")
    try run(backwardWeightsPrimitive, "backwardWeightsPrimitive")
    try run(bwDiffWeightsReorder, "bwDiffWeightsReorder")
    if let diffSrc {
      userDiffSrc.bind(diffSrc)
      try run(bdDiffDstFromInternal, "bdDiffDstFromInternal")
      try run(bdWeightsReorder, "bdWeightsReorder")
      try run(backwardDataPrimitive, "backwardDataPrimitive")
      try run(bdDiffSrcReorder, "bdDiffSrcReorder")
    }
  }

  /// In `internalDestination` mode: the forward output, in oneDNN's layout.
  var destination: DNNLMemory { fwdDst }
  /// In `internalDestination` mode: where the caller writes the output gradient before
  /// `backward`, in oneDNN's layout.
  var diffDestination: DNNLMemory { internalDiffDst ?? bwDiffDst }

  /// Executes one step, timed under `label` when profiling is on.
  @inline(__always)
  private func run(_ primitive: DNNLPrimitive?, _ what: StaticString) throws {
    guard let primitive else { return }
    try StepProfiler.measure("\(label) \(what)") { try primitive.execute(context) }
  }
}

/// Primitive attributes with one post-op: relu of the result.
func reluPostOpAttribute() throws -> dnnl_primitive_attr_t {
  var attrOpt: dnnl_primitive_attr_t?
  try check(dnnl_primitive_attr_create(&attrOpt), "dnnl_primitive_attr_create")
  guard let attr = attrOpt else { throw DNNLError(call: "dnnl_primitive_attr_create", status: -1) }
  var opsOpt: dnnl_post_ops_t?
  do {
    try check(dnnl_post_ops_create(&opsOpt), "dnnl_post_ops_create")
    guard let ops = opsOpt else { throw DNNLError(call: "dnnl_post_ops_create", status: -1) }
    defer { dnnl_post_ops_destroy(ops) }
    try check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0), "post_ops relu")
    try check(dnnl_primitive_attr_set_post_ops(attr, ops), "set_post_ops")
  } catch {
    dnnl_primitive_attr_destroy(attr)
    throw error
  }
  return attr
}
