import Foundation

/// One forward and backward pass of a `SequentialModel`, optionally carrying tangents.
///
/// With a direction v, every activation a also carries R{a} = d a(theta + t v)/dt at t = 0 with
/// the activation pattern held fixed, and the backward pass carries R{delta}; the R of the
/// parameter gradient is H v (Pearlmutter 1994). Each layer's forward writes its tangent beside
/// the value it differentiates, and its backward does the same for dL/d(input); convolution,
/// ReLU, max-pool and dense are here and in `TangentPass+Backward.swift`, the average pools in
/// `TangentPass+Averaging.swift`, residual blocks in `TangentPass+Residual.swift`. A tangent of
/// `nil` is zero (the input, and activations before the first layer with parameters).
struct TangentPass {
  let model: SequentialModel
  let plan: [LayerPlan]
  let theta: ScratchBuffer
  let direction: ScratchBuffer?
  let temperature: Double

  /// What a layer's backward needs from its forward, pushed in forward order and popped in
  /// backward order (a residual body's layers push theirs between their neighbours').
  enum Cache {
    /// The convolution's input and its tangent: backward unfolds them again, one image at a
    /// time, rather than keeping every image's columns (9x the input for a 3x3 kernel).
    case convolution(input: ScratchBuffer, tangentInput: ScratchBuffer?)
    case relu(gate: [Bool])
    case maxPool(winners: [Int])
    case dense(input: ScratchBuffer, tangentInput: ScratchBuffer?)
    /// Layers whose backward needs only their shapes (average pools, residual shortcuts).
    case shapeOnly
  }

  var caches: [Cache] = []

  init(
    model: SequentialModel, plan: [LayerPlan], theta: ScratchBuffer, direction: ScratchBuffer?,
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
    caches = []
    let (logits, tangent) = forward(
      plan, n: n, x: ScratchBuffer(batch.images.map(Double.init)), rx: nil)
    let classes = plan.last?.output.size ?? batch.imageSize
    let gradient = ScratchBuffer(count: theta.count)
    let product = direction.map { ScratchBuffer(count: $0.count) }
    var (loss, delta, rdelta) = try lossForward(
      logits: logits, tangent: tangent, n: n, classes: classes, labels: batch.labels)
    _ = backward(
      plan, needsInputGradient: false, n: n, delta: delta, rdelta: rdelta, gradient: gradient,
      product: product)
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

  /// Runs `plans` in order on `n` images.
  mutating func forward(
    _ plans: [LayerPlan], n: Int, x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    var (x, rx) = (x, rx)
    for plan in plans { (x, rx) = forward(plan, n: n, x: x, rx: rx) }
    return (x, rx)
  }

  private mutating func forward(
    _ plan: LayerPlan, n: Int, x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    switch plan.layer {
    case .convolution(let weight, let bias, _, _):
      guard let g = plan.geometry else {
        preconditionFailure("convolution planned without geometry")
      }
      return convolutionForward(
        g, weight: model.tensors[weight], bias: bias.map { model.tensors[$0] }, n: n, x: x, rx: rx)
    case .relu:
      return reluForward(count: n * plan.input.size, x: x, rx: rx)
    case .maxPool(let window, let stride):
      return maxPoolForward(
        window: window, stride: stride, shape: plan.output, input: plan.input, n: n, x: x, rx: rx)
    case .averagePool(let window, let stride):
      return averagePoolForward(window: window, stride: stride, plan: plan, n: n, x: x, rx: rx)
    case .globalAveragePool:
      return globalAveragePoolForward(plan: plan, n: n, x: x, rx: rx)
    case .dense(let weight, let bias):
      return denseForward(
        weight: model.tensors[weight], bias: bias.map { model.tensors[$0] }, n: n, x: x, rx: rx)
    case .residual:
      return residualForward(plan, n: n, x: x, rx: rx)
    }
  }

  /// y = max(x, 0); R{y} = R{x} where x > 0 (the gate is the point's and stays fixed).
  private mutating func reluForward(
    count: Int, x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    var gate = [Bool](repeating: false, count: count)
    let y = ScratchBuffer(count: count)
    let ry = rx.map { _ in ScratchBuffer(count: count) }
    for index in 0..<count where x.pointer[index] > 0 {
      gate[index] = true
      y.pointer[index] = x.pointer[index]
      if let ry, let rx { ry.pointer[index] = rx.pointer[index] }
    }
    caches.append(.relu(gate: gate))
    return (y, ry)
  }

  /// y = x W^T + b; R{y} = R{x} W^T + x V^T + V_b.
  private mutating func denseForward(
    weight w: ParameterTensor, bias b: ParameterTensor?, n: Int, x: ScratchBuffer,
    rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let (outputs, inputs) = (w.shape[0], w.shape[1])
    let y = ScratchBuffer(count: n * outputs)
    // y (n x out) = x (n x in) W^T.
    DenseMath.multiply(
      transposeB: true, m: n, n: outputs, k: inputs, a: x.pointer, b: theta.pointer + w.offset,
      beta: 0, c: y.pointer)
    if let b { addBias(y, theta.pointer + b.offset, n: n, channels: outputs, pixels: 1) }
    var ry: ScratchBuffer? = nil
    if let v = direction {
      let tangent = ScratchBuffer(count: n * outputs)
      if let rx {
        DenseMath.multiply(
          transposeB: true, m: n, n: outputs, k: inputs, a: rx.pointer,
          b: theta.pointer + w.offset, beta: 0, c: tangent.pointer)
      }
      DenseMath.multiply(
        transposeB: true, m: n, n: outputs, k: inputs, a: x.pointer, b: v.pointer + w.offset,
        beta: 1, c: tangent.pointer)
      if let b { addBias(tangent, v.pointer + b.offset, n: n, channels: outputs, pixels: 1) }
      ry = tangent
    }
    caches.append(.dense(input: x, tangentInput: rx))
    return (y, ry)
  }

  /// y_n = W cols_n + b per image, cols_n the unfolded image; R{y_n} = W R{cols_n} + V cols_n
  /// + V_b, where R{cols_n} unfolds R{x_n}.
  private mutating func convolutionForward(
    _ g: ConvolutionGeometry, weight w: ParameterTensor, bias b: ParameterTensor?, n: Int,
    x: ScratchBuffer, rx: ScratchBuffer?
  ) -> (ScratchBuffer, ScratchBuffer?) {
    let pixels = g.outHeight * g.outWidth
    let patch = g.patchSize
    let inSize = g.inChannels * g.inHeight * g.inWidth
    let outSize = g.outChannels * pixels
    let columns = ScratchBuffer(count: patch * pixels)
    let y = ScratchBuffer(count: n * outSize)
    let ry = direction.map { _ in ScratchBuffer(count: n * outSize) }
    for image in 0..<n {
      DenseMath.im2col(x.pointer + image * inSize, columns.pointer, geometry: g)
      // y_n (out x pixels) = W (out x patch) cols_n (patch x pixels).
      DenseMath.multiply(
        m: g.outChannels, n: pixels, k: patch, a: theta.pointer + w.offset, b: columns.pointer,
        beta: 0, c: y.pointer + image * outSize)
      guard let v = direction, let ry else { continue }
      DenseMath.multiply(
        m: g.outChannels, n: pixels, k: patch, a: v.pointer + w.offset, b: columns.pointer,
        beta: 0, c: ry.pointer + image * outSize)
      guard let rx else { continue }
      DenseMath.im2col(rx.pointer + image * inSize, columns.pointer, geometry: g)
      DenseMath.multiply(
        m: g.outChannels, n: pixels, k: patch, a: theta.pointer + w.offset, b: columns.pointer,
        beta: 1, c: ry.pointer + image * outSize)
    }
    if let b {
      addBias(y, theta.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
      if let v = direction, let ry {
        addBias(ry, v.pointer + b.offset, n: n, channels: g.outChannels, pixels: pixels)
      }
    }
    caches.append(.convolution(input: x, tangentInput: rx))
    return (y, ry)
  }

  /// y = the window's first maximum; R{y} = R{x} at that winner.
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
