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
    caches.append(.shapeOnly)
    return Self.linear(x, rx, count: n * plan.output.size) {
      Self.averagePool(
        $0, into: $1, window: window, stride: stride, planes: n * plan.input.channels,
        input: plan.input, output: plan.output)
    }
  }

  /// dx = each output's delta spread evenly over its window (overlapping windows add).
  func averagePoolBackward(
    window: Int, stride: Int, plan: LayerPlan, n: Int, delta: ScratchBuffer,
    rdelta: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    Self.linear(delta, rdelta, count: n * plan.input.size) {
      Self.averagePoolAdjointAdding(
        $0, into: $1, window: window, stride: stride, planes: n * plan.input.channels,
        input: plan.input, output: plan.output)
    }
  }

  /// y[n, c] = the mean of plane (n, c).
  mutating func globalAveragePoolForward(
    plan: LayerPlan, n: Int, x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let planes = n * plan.input.channels
    let size = plan.input.height * plan.input.width
    caches.append(.shapeOnly)
    return Self.linear(x, rx, count: planes) { source, target in
      for plane in 0..<planes {
        let values = source + plane * size
        var sum = 0.0
        for index in 0..<size { sum += values[index] }
        target[plane] = sum / Double(size)
      }
    }
  }

  /// dx[n, c, h, w] = delta[n, c] / (H W).
  func globalAveragePoolBackward(
    plan: LayerPlan, n: Int, delta: ScratchBuffer, rdelta: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let planes = n * plan.input.channels
    let size = plan.input.height * plan.input.width
    return Self.linear(delta, rdelta, count: planes * size) { source, target in
      for plane in 0..<planes {
        let share = source[plane] / Double(size)
        let values = target + plane * size
        for index in 0..<size { values[index] = share }
      }
    }
  }

  /// A linear map with no parameters applied to the value and, if there is one, to its tangent,
  /// each into a fresh zeroed buffer of `count`.
  private static func linear(
    _ value: ScratchBuffer, _ tangent: ScratchBuffer?, count: Int,
    _ map: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
  ) -> (ScratchBuffer, ScratchBuffer?) {
    func apply(_ source: ScratchBuffer) -> ScratchBuffer {
      let target = ScratchBuffer(count: count)
      map(source.pointer, target.pointer)
      return target
    }
    return (apply(value), tangent.map(apply))
  }

  /// Adds to `target` (`planes` planes of `output`) the VALID `window` averages of `source`
  /// (`planes` planes of `input`); the residual shortcut adds into its body's output with it.
  static func averagePool(
    _ source: UnsafePointer<Double>, into target: UnsafeMutablePointer<Double>, window: Int,
    stride: Int, planes: Int, input: LayerShape, output: LayerShape
  ) {
    let scale = 1 / Double(window * window)
    windows(planes: planes, input: input, output: output, stride: stride) { out, plane, corner in
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
    windows(planes: planes, input: input, output: output, stride: stride) { out, plane, corner in
      let share = source[out] * scale
      for kh in 0..<window {
        let row = target + plane + corner + kh * input.width
        for kw in 0..<window { row[kw] += share }
      }
    }
  }

  /// `PoolingWindows.forEach` over `planes` planes of `input` pooled to `output`.
  @inline(__always)
  private static func windows(
    planes: Int, input: LayerShape, output: LayerShape, stride: Int,
    _ visit: (_ out: Int, _ plane: Int, _ corner: Int) -> Void
  ) {
    PoolingWindows.forEach(
      planes: planes, inPlane: input.height * input.width, width: input.width,
      outHeight: output.height, outWidth: output.width, stride: stride, visit)
  }
}
