import Primitives

/// Average pooling and global average pooling, forward and backward side by side.
///
/// Both are linear and have no parameters, so the tangent goes through the same map as the value
/// (R{y} = pool(R{x}), R{dx} = pool^T(R{delta})) and backward needs only the shapes.
extension TangentPass {
  /// y = the mean of each VALID `window x window` block at `stride`.
  mutating func averagePoolForward(
    window: Int, stride: Int, plan: LayerPlan, n: Int, x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let y = ScratchBuffer(count: n * plan.output.size)
    Self.averagePool(
      x.pointer, into: y.pointer, window: window, stride: stride, planes: n * plan.input.channels,
      input: plan.input, output: plan.output)
    let ry = rx.map { rx in
      let ry = ScratchBuffer(count: n * plan.output.size)
      Self.averagePool(
        rx.pointer, into: ry.pointer, window: window, stride: stride,
        planes: n * plan.input.channels, input: plan.input, output: plan.output)
      return ry
    }
    caches.append(.shapeOnly)
    return (y, ry)
  }

  /// dx = each output's delta spread evenly over its window (overlapping windows add).
  func averagePoolBackward(
    window: Int, stride: Int, plan: LayerPlan, n: Int, delta: ScratchBuffer,
    rdelta: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let dx = ScratchBuffer(count: n * plan.input.size)
    Self.averagePoolAdjointAdding(
      delta.pointer, into: dx.pointer, window: window, stride: stride,
      planes: n * plan.input.channels, input: plan.input, output: plan.output)
    let rdx = rdelta.map { rdelta in
      let rdx = ScratchBuffer(count: n * plan.input.size)
      Self.averagePoolAdjointAdding(
        rdelta.pointer, into: rdx.pointer, window: window, stride: stride,
        planes: n * plan.input.channels, input: plan.input, output: plan.output)
      return rdx
    }
    return (dx, rdx)
  }

  /// y[n, c] = the mean of plane (n, c).
  mutating func globalAveragePoolForward(
    plan: LayerPlan, n: Int, x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let planes = n * plan.input.channels
    let size = plan.input.height * plan.input.width
    func pool(_ source: ScratchBuffer) -> ScratchBuffer {
      let target = ScratchBuffer(count: planes)
      for plane in 0..<planes {
        let values = source.pointer + plane * size
        var sum = 0.0
        for index in 0..<size { sum += values[index] }
        target.pointer[plane] = sum / Double(size)
      }
      return target
    }
    caches.append(.shapeOnly)
    return (pool(x), rx.map(pool))
  }

  /// dx[n, c, h, w] = delta[n, c] / (H W).
  func globalAveragePoolBackward(
    plan: LayerPlan, n: Int, delta: ScratchBuffer, rdelta: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let planes = n * plan.input.channels
    let size = plan.input.height * plan.input.width
    func spread(_ source: ScratchBuffer) -> ScratchBuffer {
      let target = ScratchBuffer(count: planes * size)
      for plane in 0..<planes {
        let share = source.pointer[plane] / Double(size)
        let values = target.pointer + plane * size
        for index in 0..<size { values[index] = share }
      }
      return target
    }
    return (spread(delta), rdelta.map(spread))
  }

  /// Adds to `target` (`planes` planes of `output`) the VALID `window` averages of `source`
  /// (`planes` planes of `input`); the residual shortcut adds into its body's output with it.
  static func averagePool(
    _ source: UnsafePointer<Double>, into target: UnsafeMutablePointer<Double>, window: Int,
    stride: Int, planes: Int, input: LayerShape, output: LayerShape
  ) {
    let scale = 1 / Double(window * window)
    PoolingWindows.forEach(
      planes: planes, inPlane: input.height * input.width, width: input.width,
      outHeight: output.height, outWidth: output.width, stride: stride
    ) { out, plane, corner in
      var sum = 0.0
      for kh in 0..<window {
        let row = source + plane + corner + kh * input.width
        for kw in 0..<window { sum += row[kw] }
      }
      target[out] += sum * scale
    }
  }

  /// The adjoint of `averagePool`: adds each output entry / window² to its window's inputs.
  static func averagePoolAdjointAdding(
    _ source: UnsafePointer<Double>, into target: UnsafeMutablePointer<Double>, window: Int,
    stride: Int, planes: Int, input: LayerShape, output: LayerShape
  ) {
    let scale = 1 / Double(window * window)
    PoolingWindows.forEach(
      planes: planes, inPlane: input.height * input.width, width: input.width,
      outHeight: output.height, outWidth: output.width, stride: stride
    ) { out, plane, corner in
      let share = source[out] * scale
      for kh in 0..<window {
        let row = target + plane + corner + kh * input.width
        for kw in 0..<window { row[kw] += share }
      }
    }
  }
}
