extension TangentPass {
  /// Propagates dL/d(output) and its tangent back through `plans`, adding the parameter gradient
  /// and its tangent (H v) into `gradient` and `product`. Returns dL/d(input) and its tangent
  /// when `needsInputGradient`; otherwise the first layer skips computing them and what it
  /// returns is meaningless. May overwrite `delta` and `rdelta`.
  mutating func backward(
    _ plans: [LayerPlan], needsInputGradient: Bool, n: Int, delta: ScratchBuffer,
    rdelta: ScratchBuffer?, gradient: ScratchBuffer, product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    var (delta, rdelta) = (delta, rdelta)
    for index in plans.indices.reversed() {
      (delta, rdelta) = backward(
        plans[index], needsInputGradient: needsInputGradient || index > 0, n: n, delta: delta,
        rdelta: rdelta, gradient: gradient, product: product)
    }
    return (delta, rdelta)
  }

  private mutating func backward(
    _ plan: LayerPlan, needsInputGradient: Bool, n: Int, delta: ScratchBuffer,
    rdelta: ScratchBuffer?, gradient: ScratchBuffer, product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    // A residual block pushes its body's caches and then its own, so it pops its own first.
    guard let cache = caches.popLast() else { preconditionFailure("backward ran past forward") }
    switch (plan.layer, cache) {
    case (.relu, .relu(let gate)):
      // dL/dx = gate * dL/dy; the pattern is fixed, so the same holds for the tangent.
      for index in 0..<(n * plan.input.size) where !gate[index] {
        delta.pointer[index] = 0
        rdelta?.pointer[index] = 0
      }
      return (delta, rdelta)
    case (.maxPool, .maxPool(let winners)):
      let dx = ScratchBuffer(count: n * plan.input.size)
      let rdx = rdelta.map { _ in ScratchBuffer(count: n * plan.input.size) }
      for out in winners.indices {
        dx.pointer[winners[out]] += delta.pointer[out]
        if let rdx, let rdelta { rdx.pointer[winners[out]] += rdelta.pointer[out] }
      }
      return (dx, rdx)
    case (.averagePool(let window, let stride), .shapeOnly):
      return averagePoolBackward(
        window: window, stride: stride, plan: plan, n: n, delta: delta, rdelta: rdelta)
    case (.globalAveragePool, .shapeOnly):
      return globalAveragePoolBackward(plan: plan, n: n, delta: delta, rdelta: rdelta)
    case (.residual, .shapeOnly):
      return residualBackward(
        plan, needsInputGradient: needsInputGradient, n: n, delta: delta, rdelta: rdelta,
        gradient: gradient, product: product)
    case (.dense(let weight, let bias), .dense(let x, let rx)):
      return denseBackward(
        weight: model.tensors[weight], bias: bias.map { model.tensors[$0] },
        needsInputGradient: needsInputGradient, n: n, x: x, rx: rx, delta: delta,
        rdelta: rdelta, gradient: gradient, product: product)
    case (.convolution(let weight, let bias, _, _), .convolution(let x, let rx)):
      guard let g = plan.geometry else {
        preconditionFailure("convolution planned without geometry")
      }
      return convolutionBackward(
        g, weight: model.tensors[weight], bias: bias.map { model.tensors[$0] },
        needsInputGradient: needsInputGradient, n: n, x: x, rx: rx, delta: delta,
        rdelta: rdelta, gradient: gradient, product: product)
    default:
      preconditionFailure("layer and cache out of step")
    }
  }

  private func denseBackward(
    weight w: ParameterTensor, bias b: ParameterTensor?, needsInputGradient: Bool, n: Int,
    x: ScratchBuffer, rx: ScratchBuffer?, delta: ScratchBuffer, rdelta: ScratchBuffer?,
    gradient: ScratchBuffer, product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let (outputs, inputs) = (w.shape[0], w.shape[1])
    // dW (out x in) += delta^T (out x n) x (n x in).
    DenseMath.multiply(
      transposeA: true, m: outputs, n: inputs, k: n, a: delta.pointer, b: x.pointer, beta: 1,
      c: gradient.pointer + w.offset)
    if let b {
      sumRows(delta, into: gradient.pointer + b.offset, n: n, channels: outputs, pixels: 1)
    }
    if let product, let rdelta {
      // R{dW} = R{delta}^T x + delta^T R{x}.
      DenseMath.multiply(
        transposeA: true, m: outputs, n: inputs, k: n, a: rdelta.pointer, b: x.pointer, beta: 1,
        c: product.pointer + w.offset)
      if let rx {
        DenseMath.multiply(
          transposeA: true, m: outputs, n: inputs, k: n, a: delta.pointer, b: rx.pointer,
          beta: 1, c: product.pointer + w.offset)
      }
      if let b {
        sumRows(rdelta, into: product.pointer + b.offset, n: n, channels: outputs, pixels: 1)
      }
    }
    guard needsInputGradient else { return (delta, rdelta) }
    // dx (n x in) = delta (n x out) W (out x in); R{dx} = R{delta} W + delta V.
    let dx = ScratchBuffer(count: n * inputs)
    DenseMath.multiply(
      m: n, n: inputs, k: outputs, a: delta.pointer, b: theta.pointer + w.offset, beta: 0,
      c: dx.pointer)
    guard let rdelta, let v = direction else { return (dx, nil) }
    let rdx = ScratchBuffer(count: n * inputs)
    DenseMath.multiply(
      m: n, n: inputs, k: outputs, a: rdelta.pointer, b: theta.pointer + w.offset, beta: 0,
      c: rdx.pointer)
    DenseMath.multiply(
      m: n, n: inputs, k: outputs, a: delta.pointer, b: v.pointer + w.offset, beta: 1,
      c: rdx.pointer)
    return (dx, rdx)
  }

  /// dW += delta_n cols_n^T, R{dW} += R{delta_n} cols_n^T + delta_n R{cols_n}^T, and
  /// d cols_n = W^T delta_n, R{d cols_n} = W^T R{delta_n} + V^T delta_n folded back onto the
  /// image; the columns are unfolded again from the cached input, one image at a time.
  private func convolutionBackward(
    _ g: ConvolutionGeometry, weight w: ParameterTensor, bias b: ParameterTensor?,
    needsInputGradient: Bool, n: Int, x: ScratchBuffer, rx: ScratchBuffer?,
    delta: ScratchBuffer, rdelta: ScratchBuffer?, gradient: ScratchBuffer,
    product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let pixels = g.outHeight * g.outWidth
    let patch = g.patchSize
    let inSize = g.inChannels * g.inHeight * g.inWidth
    let outSize = g.outChannels * pixels
    let dx = needsInputGradient ? ScratchBuffer(count: n * inSize) : nil
    let rdx = needsInputGradient && rdelta != nil ? ScratchBuffer(count: n * inSize) : nil
    let columns = ScratchBuffer(count: patch * pixels)
    for image in 0..<n {
      let d = delta.pointer + image * outSize
      DenseMath.im2col(x.pointer + image * inSize, columns.pointer, geometry: g)
      // dW (out x patch) += delta_n (out x pixels) cols_n^T (pixels x patch).
      DenseMath.multiply(
        transposeB: true, m: g.outChannels, n: patch, k: pixels, a: d, b: columns.pointer,
        beta: 1, c: gradient.pointer + w.offset)
      if let product, let rdelta {
        DenseMath.multiply(
          transposeB: true, m: g.outChannels, n: patch, k: pixels,
          a: rdelta.pointer + image * outSize, b: columns.pointer, beta: 1,
          c: product.pointer + w.offset)
        if let rx {
          DenseMath.im2col(rx.pointer + image * inSize, columns.pointer, geometry: g)
          DenseMath.multiply(
            transposeB: true, m: g.outChannels, n: patch, k: pixels, a: d, b: columns.pointer,
            beta: 1, c: product.pointer + w.offset)
        }
      }
      guard let dx else { continue }
      // d cols_n (patch x pixels) = W^T delta_n, folded back onto the image.
      DenseMath.multiply(
        transposeA: true, m: patch, n: pixels, k: g.outChannels, a: theta.pointer + w.offset,
        b: d, beta: 0, c: columns.pointer)
      DenseMath.col2imAdding(columns.pointer, dx.pointer + image * inSize, geometry: g)
      guard let rdx, let rdelta, let v = direction else { continue }
      DenseMath.multiply(
        transposeA: true, m: patch, n: pixels, k: g.outChannels, a: theta.pointer + w.offset,
        b: rdelta.pointer + image * outSize, beta: 0, c: columns.pointer)
      DenseMath.multiply(
        transposeA: true, m: patch, n: pixels, k: g.outChannels, a: v.pointer + w.offset, b: d,
        beta: 1, c: columns.pointer)
      DenseMath.col2imAdding(columns.pointer, rdx.pointer + image * inSize, geometry: g)
    }
    if let b {
      sumRows(
        delta, into: gradient.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
      if let product, let rdelta {
        sumRows(
          rdelta, into: product.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
      }
    }
    return (dx ?? delta, rdx ?? rdelta)
  }

  /// Adds, for each channel, the sum over images and pixels: the gradient of a per-channel bias.
  private func sumRows(
    _ values: ScratchBuffer, into target: UnsafeMutablePointer<Double>, n: Int, channels: Int,
    pixels: Int
  ) {
    for image in 0..<n {
      for c in 0..<channels {
        let row = values.pointer + (image * channels + c) * pixels
        var sum = 0.0
        for p in 0..<pixels { sum += row[p] }
        target[c] += sum
      }
    }
  }
}
