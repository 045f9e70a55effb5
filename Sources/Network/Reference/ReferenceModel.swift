import Kernels

/// A slow, obviously-correct interpreter of a `ModelDescription` on `[T]` arrays with the
/// `Reference` kernels, generic so that tests can run it in `Double` for finite-difference
/// gradient checks and compare the fast `Float` model against it. Parameters are one flat array
/// in the same layout as `ParameterStore` (layer order, weight before bias).
public struct ReferenceModel<T: BinaryFloatingPoint> {
  public let description: ModelDescription

  public init(_ description: ModelDescription) { self.description = description }

  /// Per-layer record of the forward pass, for backward.
  private indirect enum Trace {
    case conv(ConvGeometry, x: [T], wOffset: Int, bOffset: Int?)
    case dense(x: [T], inputs: Int, outputs: Int, wOffset: Int, bOffset: Int?)
    case relu(x: [T])
    case maxPool(x: [T], planes: Int, h: Int, w: Int, window: Int, stride: Int)
    case avgPool(planes: Int, h: Int, w: Int, window: Int, stride: Int)
    case identity
    case globalAvgPool(planes: Int, size: Int)
    case residual(body: [Trace], inC: Int, outC: Int, h: Int, w: Int, stride: Int)
  }

  /// Total parameter count.
  public var parameterCount: Int {
    var shape = description.input
    return Self.count(description.layers, &shape)
  }

  private static func count(_ layers: [NetworkLayer], _ shape: inout TensorShape) -> Int {
    var n = 0
    for layer in layers {
      switch layer {
      case .conv2d(let f, let k, let s, let p, let bias):
        n += f * shape.channels * k * k + (bias ? f : 0)
        let (t, b) = p.pads(input: shape.height, kernel: k, stride: s)
        let (l, r) = p.pads(input: shape.width, kernel: k, stride: s)
        shape = TensorShape(
          channels: f, height: (shape.height + t + b - k) / s + 1,
          width: (shape.width + l + r - k) / s + 1)
      case .maxPool(let w, let s), .avgPool(let w, let s):
        shape = TensorShape(
          channels: shape.channels, height: (shape.height - w) / s + 1,
          width: (shape.width - w) / s + 1)
      case .dense(let u, let bias):
        n += u * shape.count + (bias ? u : 0)
        shape = TensorShape(channels: u)
      case .relu: break
      case .flatten: shape = TensorShape(channels: shape.count)
      case .globalAvgPool: shape = TensorShape(channels: shape.channels)
      case .residual(let body): n += count(body, &shape)
      }
    }
    return n
  }

  /// Logits `(batch, classes)`.
  public func logits(parameters: [T], input: [T], batch: Int) -> [T] {
    var offset = 0
    var shape = description.input
    return forward(description.layers, parameters, input, batch, &shape, &offset).0
  }

  /// Mean softmax cross-entropy over the batch and its gradient with respect to every parameter.
  public func lossAndGradient(parameters: [T], input: [T], labels: [Int]) -> (
    loss: T, gradient: [T]
  ) {
    let batch = labels.count
    var offset = 0
    var shape = description.input
    let (z, traces) = forward(description.layers, parameters, input, batch, &shape, &offset)
    let (loss, dz) = Reference.softmaxCrossEntropy(z, labels: labels, classes: description.classes)
    var grad = [T](repeating: 0, count: parameters.count)
    _ = backward(traces, parameters, dz, batch, &grad)
    return (loss, grad)
  }

  private func forward(
    _ layers: [NetworkLayer], _ p: [T], _ input: [T], _ batch: Int, _ shape: inout TensorShape,
    _ offset: inout Int
  ) -> ([T], [Trace]) {
    var x = input
    var traces: [Trace] = []
    for layer in layers {
      switch layer {
      case .conv2d(let f, let k, let s, let pad, let bias):
        let (t, b) = pad.pads(input: shape.height, kernel: k, stride: s)
        let (l, r) = pad.pads(input: shape.width, kernel: k, stride: s)
        let g = ConvGeometry(
          batch: batch, inChannels: shape.channels, inHeight: shape.height,
          inWidth: shape.width, outChannels: f, kernelHeight: k, kernelWidth: k,
          strideHeight: s, strideWidth: s, padTop: t, padLeft: l, padBottom: b, padRight: r)
        let wCount = f * shape.channels * k * k
        let w = Array(p[offset..<(offset + wCount)])
        let bOffset = bias ? offset + wCount : nil
        let bv = bOffset.map { Array(p[$0..<($0 + f)]) } ?? [T](repeating: 0, count: f)
        traces.append(.conv(g, x: x, wOffset: offset, bOffset: bOffset))
        offset += wCount + (bias ? f : 0)
        x = Reference.convForward(x, w, bv, g)
        shape = TensorShape(channels: f, height: g.outHeight, width: g.outWidth)
      case .dense(let u, let bias):
        let inputs = shape.count
        let w = Array(p[offset..<(offset + u * inputs)])
        let bOffset = bias ? offset + u * inputs : nil
        let bv = bOffset.map { Array(p[$0..<($0 + u)]) } ?? [T](repeating: 0, count: u)
        traces.append(.dense(x: x, inputs: inputs, outputs: u, wOffset: offset, bOffset: bOffset))
        offset += u * inputs + (bias ? u : 0)
        x = Reference.denseForward(x, w, bv, batch: batch, inputs: inputs, outputs: u)
        shape = TensorShape(channels: u)
      case .relu:
        traces.append(.relu(x: x))
        x = Reference.reluForward(x)
      case .maxPool(let w, let s):
        let planes = batch * shape.channels
        traces.append(
          .maxPool(x: x, planes: planes, h: shape.height, w: shape.width, window: w, stride: s))
        x = Reference.maxPoolForward(
          x, planes: planes, height: shape.height, width: shape.width, window: w, stride: s)
        shape = TensorShape(
          channels: shape.channels, height: (shape.height - w) / s + 1,
          width: (shape.width - w) / s + 1)
      case .avgPool(let w, let s):
        let planes = batch * shape.channels
        traces.append(
          .avgPool(planes: planes, h: shape.height, w: shape.width, window: w, stride: s))
        x = Reference.avgPoolForward(
          x, planes: planes, height: shape.height, width: shape.width, window: w, stride: s)
        shape = TensorShape(
          channels: shape.channels, height: (shape.height - w) / s + 1,
          width: (shape.width - w) / s + 1)
      case .flatten:
        traces.append(.identity)
        shape = TensorShape(channels: shape.count)
      case .globalAvgPool:
        let size = shape.height * shape.width
        traces.append(.globalAvgPool(planes: batch * shape.channels, size: size))
        x = Reference.globalAvgPoolForward(x, planes: batch * shape.channels, size: size)
        shape = TensorShape(channels: shape.channels)
      case .residual(let body):
        let inShape = shape
        let (y, inner) = forward(body, p, x, batch, &shape, &offset)
        let stride = inShape.height / shape.height
        let sc = Reference.shortcutForward(
          x, batch: batch, inChannels: inShape.channels, outChannels: shape.channels,
          height: inShape.height, width: inShape.width, stride: stride)
        traces.append(
          .residual(
            body: inner, inC: inShape.channels, outC: shape.channels, h: inShape.height,
            w: inShape.width, stride: stride))
        x = zip(y, sc).map(+)
      }
    }
    return (x, traces)
  }

  /// Back-propagates `dy` through `traces`, adding parameter gradients into `grad`; returns dx.
  private func backward(
    _ traces: [Trace], _ p: [T], _ dyIn: [T], _ batch: Int, _ grad: inout [T]
  ) -> [T] {
    var dy = dyIn
    for trace in traces.reversed() {
      switch trace {
      case .conv(let g, let x, let wOffset, let bOffset):
        let wCount = g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth
        let w = Array(p[wOffset..<(wOffset + wCount)])
        let (dx, dw, db) = Reference.convBackward(x, w, dy, g)
        for i in 0..<wCount { grad[wOffset + i] += dw[i] }
        if let bOffset { for i in 0..<g.outChannels { grad[bOffset + i] += db[i] } }
        dy = dx
      case .dense(let x, let inputs, let outputs, let wOffset, let bOffset):
        let w = Array(p[wOffset..<(wOffset + inputs * outputs)])
        let (dx, dw, db) = Reference.denseBackward(
          x, w, dy, batch: batch, inputs: inputs, outputs: outputs)
        for i in 0..<(inputs * outputs) { grad[wOffset + i] += dw[i] }
        if let bOffset { for i in 0..<outputs { grad[bOffset + i] += db[i] } }
        dy = dx
      case .relu(let x):
        dy = Reference.reluBackward(x, dy)
      case .maxPool(let x, let planes, let h, let w, let window, let stride):
        dy = Reference.maxPoolBackward(
          x, dy, planes: planes, height: h, width: w, window: window, stride: stride)
      case .avgPool(let planes, let h, let w, let window, let stride):
        dy = Reference.avgPoolBackward(
          dy, planes: planes, height: h, width: w, window: window, stride: stride)
      case .identity:
        break
      case .globalAvgPool(let planes, let size):
        dy = Reference.globalAvgPoolBackward(dy, planes: planes, size: size)
      case .residual(let body, let inC, let outC, let h, let w, let stride):
        let dxBody = backward(body, p, dy, batch, &grad)
        let dxShort = Reference.shortcutBackward(
          dy, batch: batch, inChannels: inC, outChannels: outC, height: h, width: w,
          stride: stride)
        dy = zip(dxBody, dxShort).map(+)
      }
    }
    return dy
  }
}
