/// One `SequentialModel` layer with its input and output shapes resolved: what the passes read
/// instead of recomputing shapes, and where a description that does not fit is rejected.
struct LayerPlan {
  var layer: SequentialModel.Layer
  var input: LayerShape
  var output: LayerShape
  /// Convolutions only.
  var geometry: ConvolutionGeometry?
  /// Residual blocks only: the body's layers.
  var body: [LayerPlan] = []
  /// Residual blocks only: the shortcut's pooling window and stride (1 for the identity).
  var shortcutStride = 1

  /// Plans `layers` in order from `input`.
  static func chain(
    _ layers: [SequentialModel.Layer], input: LayerShape, tensors: [ParameterTensor]
  ) throws -> [LayerPlan] {
    var shape = input
    var plans: [LayerPlan] = []
    for layer in layers {
      let plan = try LayerPlan(layer, input: shape, tensors: tensors)
      plans.append(plan)
      shape = plan.output
    }
    return plans
  }

  init(_ layer: SequentialModel.Layer, input: LayerShape, tensors: [ParameterTensor]) throws {
    self.layer = layer
    self.input = input
    func tensor(_ index: Int) throws -> ParameterTensor {
      guard tensors.indices.contains(index) else {
        throw PruningError.invalidModel(
          "layer refers to tensor \(index); there are \(tensors.count)")
      }
      return tensors[index]
    }
    func checkBias(_ bias: Int?, count: Int) throws {
      guard let bias else { return }
      guard try tensor(bias).count == count else {
        throw PruningError.invalidModel(
          "bias \(try tensor(bias).name) does not have \(count) entries")
      }
    }
    switch layer {
    case .convolution(let weight, let bias, let stride, let padding):
      let w = try tensor(weight)
      guard w.shape.count == 4, w.shape[1] == input.channels, stride > 0 else {
        throw PruningError.invalidModel(
          "convolution \(w.name) of shape \(w.shape) does not take \(input.channels) channels "
            + "at stride \(stride)")
      }
      try checkBias(bias, count: w.shape[0])
      let (top, bottom) = padding.pads(input: input.height, kernel: w.shape[2], stride: stride)
      let (left, right) = padding.pads(input: input.width, kernel: w.shape[3], stride: stride)
      guard top >= 0, bottom >= 0, left >= 0, right >= 0,
        input.height + top + bottom >= w.shape[2], input.width + left + right >= w.shape[3]
      else {
        throw PruningError.invalidModel(
          "convolution \(w.name) does not fit a \(input.height)x\(input.width) input")
      }
      let g = ConvolutionGeometry(
        inChannels: input.channels, inHeight: input.height, inWidth: input.width,
        outChannels: w.shape[0], kernelHeight: w.shape[2], kernelWidth: w.shape[3],
        stride: stride, padTop: top, padLeft: left,
        outHeight: (input.height + top + bottom - w.shape[2]) / stride + 1,
        outWidth: (input.width + left + right - w.shape[3]) / stride + 1)
      geometry = g
      output = LayerShape(channels: g.outChannels, height: g.outHeight, width: g.outWidth)
    case .relu:
      output = input
    case .maxPool(let window, let stride), .averagePool(let window, let stride):
      guard window > 0, stride > 0, input.height >= window, input.width >= window else {
        throw PruningError.invalidModel(
          "pooling window \(window) at stride \(stride) does not fit a "
            + "\(input.height)x\(input.width) input")
      }
      output = LayerShape(
        channels: input.channels, height: (input.height - window) / stride + 1,
        width: (input.width - window) / stride + 1)
    case .globalAveragePool:
      output = LayerShape(channels: input.channels, height: 1, width: 1)
    case .dense(let weight, let bias):
      let w = try tensor(weight)
      guard w.shape.count == 2, w.shape[1] == input.size else {
        throw PruningError.invalidModel(
          "dense \(w.name) of shape \(w.shape) does not take \(input.size) features")
      }
      try checkBias(bias, count: w.shape[0])
      output = LayerShape(channels: w.shape[0], height: 1, width: 1)
    case .residual(let layers):
      guard !layers.isEmpty else { throw PruningError.invalidModel("empty residual body") }
      body = try LayerPlan.chain(layers, input: input, tensors: tensors)
      let out = body[body.count - 1].output
      let stride = max(1, input.height / max(out.height, 1))
      guard out.channels >= input.channels, out.height * stride == input.height,
        out.width * stride == input.width
      else {
        throw PruningError.invalidModel(
          "residual body \(input) -> \(out) has no identity or zero-padded average-pool shortcut")
      }
      shortcutStride = stride
      output = out
    }
  }
}

/// The shape of one image's activations after a layer.
struct LayerShape: CustomStringConvertible {
  var channels: Int
  var height: Int
  var width: Int
  var size: Int { channels * height * width }
  var description: String { "\(channels)x\(height)x\(width)" }
}
