/// Residual blocks, forward and backward side by side: y = body(x) + shortcut(x).
///
/// The shortcut is Network's `Residual`'s: the identity, or (when the body halves the size and
/// widens the channels) an average pool with window = stride = s into the first `Cin` of the
/// `Cout` channels, the rest zero. It is linear with no parameters, so R{y} = R{body(x)} +
/// shortcut(R{x}), and backward adds shortcut^T(delta) to the body's dL/dx (same for tangents).
extension TangentPass {
  mutating func residualForward(
    _ plan: LayerPlan, n: Int, x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let (body, rbody) = forward(plan.body, n: n, x: x, rx: rx)
    // A fresh output, so that no later in-place step can reach the body's cached buffers.
    let y = ScratchBuffer(count: n * plan.output.size)
    y.pointer.update(from: body.pointer, count: y.count)
    addShortcut(plan, n: n, from: x, into: y)
    var ry: ScratchBuffer? = nil
    if rbody != nil || rx != nil {
      let tangent = ScratchBuffer(count: n * plan.output.size)
      if let rbody { tangent.pointer.update(from: rbody.pointer, count: tangent.count) }
      if let rx { addShortcut(plan, n: n, from: rx, into: tangent) }
      ry = tangent
    }
    caches.append(.shapeOnly)
    return (y, ry)
  }

  /// dL/dx = body^T(delta) + shortcut^T(delta), and the same for the tangents.
  mutating func residualBackward(
    _ plan: LayerPlan, needsInputGradient: Bool, n: Int, delta: ScratchBuffer,
    rdelta: ScratchBuffer?, gradient: ScratchBuffer, product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    guard needsInputGradient else {
      return backward(
        plan.body, needsInputGradient: false, n: n, delta: delta, rdelta: rdelta,
        gradient: gradient, product: product)
    }
    // The shortcut's share first: the body's backward may overwrite delta (ReLU works in place).
    let dx = ScratchBuffer(count: n * plan.input.size)
    addShortcutAdjoint(plan, n: n, from: delta, into: dx)
    let rdx = rdelta.map { rdelta in
      let rdx = ScratchBuffer(count: n * plan.input.size)
      addShortcutAdjoint(plan, n: n, from: rdelta, into: rdx)
      return rdx
    }
    let (bodyDx, bodyRdx) = backward(
      plan.body, needsInputGradient: true, n: n, delta: delta, rdelta: rdelta,
      gradient: gradient, product: product)
    for index in 0..<dx.count { dx.pointer[index] += bodyDx.pointer[index] }
    if let rdx, let bodyRdx {
      for index in 0..<rdx.count { rdx.pointer[index] += bodyRdx.pointer[index] }
    }
    return (dx, rdx)
  }

  /// y[:, 0..<Cin] += avgpool_s(x) (the identity when s = 1).
  private func addShortcut(_ plan: LayerPlan, n: Int, from x: ScratchBuffer, into y: ScratchBuffer)
  {
    let (input, output) = (plan.input, plan.output)
    addPerImage(plan, n: n, from: x, size: input.size, into: y, size: output.size) {
      Self.averagePool(
        $0, into: $1, window: plan.shortcutStride, stride: plan.shortcutStride,
        planes: input.channels, input: input, output: output)
    }
  }

  /// dx += shortcut^T(dy): the first `Cin` channels of dy, spread over each pooling window.
  private func addShortcutAdjoint(
    _ plan: LayerPlan, n: Int, from dy: ScratchBuffer, into dx: ScratchBuffer
  ) {
    let (input, output) = (plan.input, plan.output)
    addPerImage(plan, n: n, from: dy, size: output.size, into: dx, size: input.size) {
      Self.averagePoolAdjointAdding(
        $0, into: $1, window: plan.shortcutStride, stride: plan.shortcutStride,
        planes: input.channels, input: input, output: output)
    }
  }

  /// For each of `n` images (of `sourceSize` in `from`, `targetSize` in `into`): target += source
  /// where the shortcut is the identity (stride 1, equal shapes), else `pool(source, target)`.
  private func addPerImage(
    _ plan: LayerPlan, n: Int, from: ScratchBuffer, size sourceSize: Int, into: ScratchBuffer,
    size targetSize: Int, pool: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
  ) {
    for image in 0..<n {
      let source = from.pointer + image * sourceSize
      let target = into.pointer + image * targetSize
      if plan.shortcutStride == 1 {
        for index in 0..<plan.input.size { target[index] += source[index] }
      } else {
        pool(source, target)
      }
    }
  }
}
