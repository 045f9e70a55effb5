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
    addShortcut(plan, n: n, from: delta, into: dx, adjoint: true)
    let rdx = rdelta.map { rdelta in
      let rdx = ScratchBuffer(count: n * plan.input.size)
      addShortcut(plan, n: n, from: rdelta, into: rdx, adjoint: true)
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

  /// y[:, 0..<Cin] += avgpool_s(x) (the identity when s = 1); with `adjoint`, its transpose:
  /// dx += the first `Cin` channels of dy, spread over each pooling window.
  private func addShortcut(
    _ plan: LayerPlan, n: Int, from: ScratchBuffer, into: ScratchBuffer, adjoint: Bool = false
  ) {
    let (input, output) = (plan.input, plan.output)
    let (sourceSize, targetSize) = adjoint ? (output.size, input.size) : (input.size, output.size)
    let s = plan.shortcutStride
    for image in 0..<n {
      let source = from.pointer + image * sourceSize
      let target = into.pointer + image * targetSize
      if s == 1 {
        for index in 0..<input.size { target[index] += source[index] }
      } else if adjoint {
        Self.averagePoolAdjointAdding(
          source, into: target, window: s, stride: s, planes: input.channels, input: input,
          output: output)
      } else {
        Self.averagePool(
          source, into: target, window: s, stride: s, planes: input.channels, input: input,
          output: output)
      }
    }
  }
}
