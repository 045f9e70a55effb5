extension TangentPass {
  /// Propagates dL/d(output) and its tangent through one layer, adding the parameter gradient and
  /// its tangent (H v) into `gradient` and `product`. The first layer skips dL/d(input).
  mutating func backward(
    _ layer: SequentialModel.Layer, first: Bool, shape: LayerShape, input: LayerShape, n: Int,
    delta: ScratchBuffer, rdelta: ScratchBuffer?, gradient: ScratchBuffer,
    product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    guard let cache = caches.popLast() else { return (delta, rdelta) }
    switch (layer, cache) {
    case (.relu, .relu(let gate)):
      // dL/dx = gate * dL/dy; the pattern is fixed, so the same holds for the tangent.
      for index in 0..<(n * input.size) where !gate[index] {
        delta.pointer[index] = 0
        rdelta?.pointer[index] = 0
      }
      return (delta, rdelta)
    case (.maxPool, .maxPool(let winners)):
      let dx = ScratchBuffer(count: n * input.size)
      let rdx = rdelta.map { _ in ScratchBuffer(count: n * input.size) }
      for out in winners.indices {
        dx.pointer[winners[out]] += delta.pointer[out]
        if let rdx, let rdelta { rdx.pointer[winners[out]] += rdelta.pointer[out] }
      }
      return (dx, rdx)
    case (.dense(let weight, let bias), .dense(let x, let rx)):
      return denseBackward(
        weight: model.tensors[weight], bias: bias.map { model.tensors[$0] }, first: first, n: n,
        x: x, rx: rx, delta: delta, rdelta: rdelta, gradient: gradient, product: product)
    case (.convolution(let weight, let bias, _, _), .convolution(let columns, let rcolumns)):
      guard let g = shape.geometry else { return (delta, rdelta) }
      return convolutionBackward(
        g, weight: model.tensors[weight], bias: bias.map { model.tensors[$0] }, first: first,
        n: n, columns: columns, rcolumns: rcolumns, delta: delta, rdelta: rdelta,
        gradient: gradient, product: product)
    default:
      preconditionFailure("layer and cache out of step")
    }
  }

  private func denseBackward(
    weight w: ParameterTensor, bias b: ParameterTensor?, first: Bool, n: Int, x: ScratchBuffer,
    rx: ScratchBuffer?, delta: ScratchBuffer, rdelta: ScratchBuffer?, gradient: ScratchBuffer,
    product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let (outputs, inputs) = (w.shape[0], w.shape[1])
    // dW (out x in) += delta^T (out x n) x (n x in).
    DenseMath.multiply(
      transposeA: true, m: outputs, n: inputs, k: n, a: delta.pointer, b: x.pointer, beta: 1,
      c: gradient.pointer + w.offset)
    if let b { sumRows(delta, into: gradient.pointer + b.offset, n: n, channels: outputs, pixels: 1) }
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
    if first { return (delta, rdelta) }
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

  private func convolutionBackward(
    _ g: ConvolutionGeometry, weight w: ParameterTensor, bias b: ParameterTensor?, first: Bool,
    n: Int, columns: ScratchBuffer, rcolumns: ScratchBuffer?, delta: ScratchBuffer,
    rdelta: ScratchBuffer?, gradient: ScratchBuffer, product: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let pixels = g.outHeight * g.outWidth
    let patch = g.patchSize
    let inSize = g.inChannels * g.inHeight * g.inWidth
    let outSize = g.outChannels * pixels
    let dx = first ? nil : ScratchBuffer(count: n * inSize)
    let rdx = first || rdelta == nil ? nil : ScratchBuffer(count: n * inSize)
    let scratch = ScratchBuffer(count: patch * pixels)
    for image in 0..<n {
      let cols = columns.pointer + image * patch * pixels
      let d = delta.pointer + image * outSize
      // dW (out x patch) += delta_n (out x pixels) cols_n^T (pixels x patch).
      DenseMath.multiply(
        transposeB: true, m: g.outChannels, n: patch, k: pixels, a: d, b: cols, beta: 1,
        c: gradient.pointer + w.offset)
      if let product, let rdelta {
        // R{dW} += R{delta_n} cols_n^T + delta_n R{cols_n}^T.
        DenseMath.multiply(
          transposeB: true, m: g.outChannels, n: patch, k: pixels,
          a: rdelta.pointer + image * outSize, b: cols, beta: 1, c: product.pointer + w.offset)
        if let rcolumns {
          DenseMath.multiply(
            transposeB: true, m: g.outChannels, n: patch, k: pixels, a: d,
            b: rcolumns.pointer + image * patch * pixels, beta: 1, c: product.pointer + w.offset)
        }
      }
      guard let dx else { continue }
      // d cols_n (patch x pixels) = W^T delta_n, folded back onto the image.
      DenseMath.multiply(
        transposeA: true, m: patch, n: pixels, k: g.outChannels, a: theta.pointer + w.offset,
        b: d, beta: 0, c: scratch.pointer)
      DenseMath.col2imAdding(scratch.pointer, dx.pointer + image * inSize, geometry: g)
      guard let rdx, let rdelta, let v = direction else { continue }
      // R{d cols_n} = W^T R{delta_n} + V^T delta_n.
      DenseMath.multiply(
        transposeA: true, m: patch, n: pixels, k: g.outChannels, a: theta.pointer + w.offset,
        b: rdelta.pointer + image * outSize, beta: 0, c: scratch.pointer)
      DenseMath.multiply(
        transposeA: true, m: patch, n: pixels, k: g.outChannels, a: v.pointer + w.offset, b: d,
        beta: 1, c: scratch.pointer)
      DenseMath.col2imAdding(scratch.pointer, rdx.pointer + image * inSize, geometry: g)
    }
    if let b {
      sumRows(delta, into: gradient.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
      if let product, let rdelta {
        sumRows(rdelta, into: product.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
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
