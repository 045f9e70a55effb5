import Foundation

/// One forward and backward pass of a `SequentialModel`, optionally carrying tangents.
///
/// With a direction v, every activation a also carries R{a} = d a(theta + t v)/dt at t = 0 with
/// the activation pattern held fixed, and the backward pass carries R{delta}; the R of the
/// parameter gradient is H v (Pearlmutter 1994). Layers are written forward then backward, with
/// the tangent terms beside the values they differentiate.
struct TangentPass {
  let model: SequentialModel
  let plan: [LayerShape]
  let theta: ScratchBuffer
  let direction: ScratchBuffer?
  let temperature: Double

  /// What a layer's backward needs from its forward.
  enum Cache {
    case convolution(columns: ScratchBuffer, tangentColumns: ScratchBuffer?)
    case relu(gate: [Bool])
    case maxPool(winners: [Int])
    case dense(input: ScratchBuffer, tangentInput: ScratchBuffer?)
  }

  var caches: [Cache] = []

  init(
    model: SequentialModel, plan: [LayerShape], theta: ScratchBuffer, direction: ScratchBuffer?,
    temperature: Double
  ) {
    self.model = model
    self.plan = plan
    self.theta = theta
    self.direction = direction
    self.temperature = temperature
  }

  mutating func run(_ batch: PruningBatch) throws -> (
    loss: Double, gradient: [Double], product: [Double]?
  ) {
    let n = batch.count
    guard n > 0 else { throw PruningError.notEnoughData(needed: "one example", got: 0) }
    var x = ScratchBuffer(batch.images.map(Double.init))
    // The input does not depend on the parameters: its tangent is zero (nil).
    var rx: ScratchBuffer? = nil
    let imageShape = LayerShape(
      channels: model.inputChannels, height: model.inputHeight, width: model.inputWidth,
      geometry: nil)
    var inShape = imageShape
    caches = []
    for (index, layer) in model.layers.enumerated() {
      (x, rx) = forward(layer, shape: plan[index], input: inShape, n: n, x: x, rx: rx)
      inShape = plan[index]
    }
    let classes = inShape.size
    let gradient = ScratchBuffer(count: theta.count)
    let product = direction.map { ScratchBuffer(count: $0.count) }
    var (loss, delta, rdelta) = try lossForward(
      logits: x, tangent: rx, n: n, classes: classes, labels: batch.labels)
    for index in model.layers.indices.reversed() {
      (delta, rdelta) = backward(
        model.layers[index], first: index == 0, shape: plan[index],
        input: index == 0 ? imageShape : plan[index - 1], n: n, delta: delta, rdelta: rdelta,
        gradient: gradient, product: product)
    }
    loss /= Double(n)
    return (loss, gradient.array, product?.array)
  }

  // MARK: Loss

  /// Mean softmax cross-entropy of logits / T: returns the summed loss and dL/dz (with its
  /// tangent), where p = softmax(z / T) and dL/dz = (p - onehot) / (n T).
  private func lossForward(
    logits z: ScratchBuffer, tangent rz: ScratchBuffer?, n: Int, classes: Int, labels: [Int]
  ) throws -> (Double, ScratchBuffer, ScratchBuffer?) {
    let delta = ScratchBuffer(count: n * classes)
    let rdelta = direction.map { _ in ScratchBuffer(count: n * classes) }
    var loss = 0.0
    var probabilities = [Double](repeating: 0, count: classes)
    let scale = 1 / (Double(n) * temperature)
    for image in 0..<n {
      let label = labels[image]
      guard label >= 0, label < classes else { throw PruningError.labelOutOfRange(label) }
      let row = z.pointer + image * classes
      var largest = -Double.infinity
      for k in 0..<classes { largest = max(largest, row[k] / temperature) }
      var total = 0.0
      for k in 0..<classes {
        probabilities[k] = Foundation.exp(row[k] / temperature - largest)
        total += probabilities[k]
      }
      loss += Foundation.log(total) + largest - row[label] / temperature
      for k in 0..<classes {
        probabilities[k] /= total
        delta.pointer[image * classes + k] = (probabilities[k] - (k == label ? 1 : 0)) * scale
      }
      // R{p} = p * (R{s} - sum p R{s}), with s = z / T; R{dL/dz} = R{p} / (n T).
      if let rdelta, let rz {
        let rrow = rz.pointer + image * classes
        var mean = 0.0
        for k in 0..<classes { mean += probabilities[k] * rrow[k] / temperature }
        for k in 0..<classes {
          rdelta.pointer[image * classes + k] =
            probabilities[k] * (rrow[k] / temperature - mean) * scale
        }
      }
    }
    return (loss, delta, rdelta)
  }

  // MARK: Forward

  private mutating func forward(
    _ layer: SequentialModel.Layer, shape: LayerShape, input: LayerShape, n: Int,
    x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let inputSize = input.size
    switch layer {
    case .convolution(let weight, let bias, _, _):
      guard let g = shape.geometry else { return (x, rx) }
      return convolutionForward(
        g, weight: model.tensors[weight], bias: bias.map { model.tensors[$0] }, n: n, x: x, rx: rx)
    case .relu:
      var gate = [Bool](repeating: false, count: n * inputSize)
      let y = ScratchBuffer(count: n * inputSize)
      let ry = rx.map { _ in ScratchBuffer(count: n * inputSize) }
      for index in 0..<(n * inputSize) where x.pointer[index] > 0 {
        gate[index] = true
        y.pointer[index] = x.pointer[index]
        if let ry, let rx { ry.pointer[index] = rx.pointer[index] }
      }
      caches.append(.relu(gate: gate))
      return (y, ry)
    case .maxPool(let window, let stride):
      return maxPoolForward(
        window: window, stride: stride, shape: shape, input: input, n: n, x: x, rx: rx)
    case .dense(let weight, let bias):
      let w = model.tensors[weight]
      let (outputs, inputs) = (w.shape[0], w.shape[1])
      let y = ScratchBuffer(count: n * outputs)
      // y (n x out) = x (n x in) W^T.
      DenseMath.multiply(
        transposeB: true, m: n, n: outputs, k: inputs, a: x.pointer, b: theta.pointer + w.offset,
        beta: 0, c: y.pointer)
      if let b = bias.map({ model.tensors[$0] }) {
        addBias(y, theta.pointer + b.offset, n: n, channels: outputs, pixels: 1)
      }
      var ry: ScratchBuffer? = nil
      if let v = direction {
        let tangent = ScratchBuffer(count: n * outputs)
        // R{y} = R{x} W^T + x V^T + V_b.
        if let rx {
          DenseMath.multiply(
            transposeB: true, m: n, n: outputs, k: inputs, a: rx.pointer,
            b: theta.pointer + w.offset, beta: 0, c: tangent.pointer)
        }
        DenseMath.multiply(
          transposeB: true, m: n, n: outputs, k: inputs, a: x.pointer, b: v.pointer + w.offset,
          beta: 1, c: tangent.pointer)
        if let b = bias.map({ model.tensors[$0] }) {
          addBias(tangent, v.pointer + b.offset, n: n, channels: outputs, pixels: 1)
        }
        ry = tangent
      }
      caches.append(.dense(input: x, tangentInput: rx))
      return (y, ry)
    }
  }

  private mutating func convolutionForward(
    _ g: ConvolutionGeometry, weight w: ParameterTensor, bias b: ParameterTensor?, n: Int,
    x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let pixels = g.outHeight * g.outWidth
    let patch = g.patchSize
    let inSize = g.inChannels * g.inHeight * g.inWidth
    let outSize = g.outChannels * pixels
    let columns = ScratchBuffer(count: n * patch * pixels)
    let tangentColumns = rx.map { _ in ScratchBuffer(count: n * patch * pixels) }
    let y = ScratchBuffer(count: n * outSize)
    let ry = direction.map { _ in ScratchBuffer(count: n * outSize) }
    for image in 0..<n {
      let cols = columns.pointer + image * patch * pixels
      DenseMath.im2col(x.pointer + image * inSize, cols, geometry: g)
      // y_n (out x pixels) = W (out x patch) cols_n (patch x pixels).
      DenseMath.multiply(
        m: g.outChannels, n: pixels, k: patch, a: theta.pointer + w.offset, b: cols, beta: 0,
        c: y.pointer + image * outSize)
      guard let v = direction, let ry else { continue }
      // R{y_n} = W R{cols_n} + V cols_n + V_b.
      if let rx, let tangentColumns {
        let rcols = tangentColumns.pointer + image * patch * pixels
        DenseMath.im2col(rx.pointer + image * inSize, rcols, geometry: g)
        DenseMath.multiply(
          m: g.outChannels, n: pixels, k: patch, a: theta.pointer + w.offset, b: rcols, beta: 0,
          c: ry.pointer + image * outSize)
      }
      DenseMath.multiply(
        m: g.outChannels, n: pixels, k: patch, a: v.pointer + w.offset, b: cols, beta: 1,
        c: ry.pointer + image * outSize)
    }
    if let b {
      addBias(y, theta.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
      if let v = direction, let ry {
        addBias(ry, v.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
      }
    }
    caches.append(.convolution(columns: columns, tangentColumns: tangentColumns))
    return (y, ry)
  }

  private mutating func maxPoolForward(
    window: Int, stride: Int, shape: LayerShape, input: LayerShape, n: Int, x: ScratchBuffer,
    rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let y = ScratchBuffer(count: n * shape.size)
    let ry = rx.map { _ in ScratchBuffer(count: n * shape.size) }
    var winners = [Int](repeating: 0, count: n * shape.size)
    for image in 0..<n {
      for c in 0..<shape.channels {
        let plane = image * input.size + c * input.height * input.width
        for oh in 0..<shape.height {
          for ow in 0..<shape.width {
            var best = plane + oh * stride * input.width + ow * stride
            for kh in 0..<window {
              for kw in 0..<window {
                let candidate = plane + (oh * stride + kh) * input.width + ow * stride + kw
                if x.pointer[candidate] > x.pointer[best] { best = candidate }
              }
            }
            let out = ((image * shape.channels + c) * shape.height + oh) * shape.width + ow
            winners[out] = best
            y.pointer[out] = x.pointer[best]
            if let ry, let rx { ry.pointer[out] = rx.pointer[best] }
          }
        }
      }
    }
    caches.append(.maxPool(winners: winners))
    return (y, ry)
  }

  /// Adds a per-channel bias to `n` images of `channels x pixels`.
  func addBias(
    _ y: ScratchBuffer, _ bias: UnsafeMutablePointer<Double>, n: Int, channels: Int, pixels: Int
  ) {
    for image in 0..<n {
      for c in 0..<channels {
        let row = y.pointer + (image * channels + c) * pixels
        for p in 0..<pixels { row[p] += bias[c] }
      }
    }
  }
}
