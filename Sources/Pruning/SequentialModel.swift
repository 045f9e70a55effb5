/// A chain of convolution, ReLU, max-pool and dense layers over a flat parameter buffer, with the
/// exact gradient and the exact Hessian-vector product of its mean softmax cross-entropy.
///
/// GraSP needs H g. On a ReLU and max-pool network at initialisation a finite difference of
/// gradients crosses activation kinks (zero biases put pre-activations exactly at zero), and its
/// error does not shrink with the step; so this engine computes H v with Pearlmutter's R-operator
/// (forward-over-reverse) with the activation pattern of the point, which is what PyTorch's
/// double backward computes. It runs in `Double`; it is meant for the hundred or so examples GraSP
/// scores, not for training.
///
/// Images are NCHW and a dense layer after a convolution reads each image's features in (c, h, w)
/// order, so the flatten is free. Convolution weights are OIHW and dense weights `[out, in]`.
public struct SequentialModel: HessianVectorNetwork, Sendable {
  /// One layer; tensors are referred to by their index in `tensors`.
  public enum Layer: Hashable, Sendable {
    /// Cross-correlation with square stride and symmetric zero padding (PyTorch `Conv2d`).
    case convolution(weight: Int, bias: Int?, stride: Int, padding: Int)
    case relu
    /// Square window; ties go to the first maximum in row-major order (PyTorch's CPU kernel).
    case maxPool(window: Int, stride: Int)
    /// y = W x + b on each image's flattened features.
    case dense(weight: Int, bias: Int?)
  }

  public let tensors: [ParameterTensor]
  public let layers: [Layer]
  /// Channels, height and width of one input image.
  public let inputChannels: Int
  public let inputHeight: Int
  public let inputWidth: Int
  public var parameters: [Float]

  /// Checks that the tensors tile the buffer and that every layer's shapes chain.
  public init(
    tensors: [ParameterTensor], layers: [Layer],
    inputShape: (channels: Int, height: Int, width: Int), parameters: [Float]
  ) throws {
    self.tensors = tensors
    self.layers = layers
    inputChannels = inputShape.channels
    inputHeight = inputShape.height
    inputWidth = inputShape.width
    self.parameters = parameters
    var next = 0
    for tensor in tensors {
      guard tensor.offset == next else {
        throw PruningError.invalidModel("tensor \(tensor.name) starts at \(tensor.offset), not \(next)")
      }
      next += tensor.count
    }
    guard next == parameters.count else {
      throw PruningError.invalidModel("\(parameters.count) parameters for tensors of \(next)")
    }
    _ = try plan()
  }

  /// Lee et al.'s Simple-CNN for 28x28x1 images (science.md §2.1): conv 5x5 1->32, ReLU, pool
  /// 2x2, conv 5x5 32->64, ReLU, pool 2x2, dense 1024->10; VALID convolutions.
  public static func simpleCNN(parameters: [Float], classes: Int = 10) throws -> SequentialModel {
    let shapes: [(String, ParameterTensor.Role, [Int])] = [
      ("conv1.weight", .weight, [32, 1, 5, 5]), ("conv1.bias", .bias, [32]),
      ("conv2.weight", .weight, [64, 32, 5, 5]), ("conv2.bias", .bias, [64]),
      ("dense1.weight", .weight, [classes, 1024]), ("dense1.bias", .bias, [classes]),
    ]
    var tensors: [ParameterTensor] = []
    var offset = 0
    for (name, role, shape) in shapes {
      tensors.append(ParameterTensor(name: name, role: role, offset: offset, shape: shape))
      offset += shape.reduce(1, *)
    }
    return try SequentialModel(
      tensors: tensors,
      layers: [
        .convolution(weight: 0, bias: 1, stride: 1, padding: 0), .relu,
        .maxPool(window: 2, stride: 2),
        .convolution(weight: 2, bias: 3, stride: 1, padding: 0), .relu,
        .maxPool(window: 2, stride: 2),
        .dense(weight: 4, bias: 5),
      ],
      inputShape: (1, 28, 28), parameters: parameters)
  }

  public func accumulateGradient(
    at parameters: [Float], batch: PruningBatch, temperature: Double, scale: Double,
    into gradient: inout [Double]
  ) throws -> Double {
    let result = try evaluate(
      parameters: parameters.map(Double.init), direction: nil, batch: batch,
      temperature: temperature)
    for index in gradient.indices { gradient[index] += scale * result.gradient[index] }
    return result.loss
  }

  public func accumulateHessianVectorProduct(
    at parameters: [Float], direction: [Double], batch: PruningBatch, temperature: Double,
    scale: Double, into product: inout [Double]
  ) throws {
    let result = try evaluate(
      parameters: parameters.map(Double.init), direction: direction, batch: batch,
      temperature: temperature)
    guard let hv = result.product else { return }
    for index in product.indices { product[index] += scale * hv[index] }
  }

  /// The mean loss, its gradient, and (given a direction) the Hessian-vector product, all in
  /// `Double` at `Double` parameters, for tests that need more precision than `Float` holds.
  public func evaluate(
    parameters: [Double], direction: [Double]?, batch: PruningBatch, temperature: Double
  ) throws -> (loss: Double, gradient: [Double], product: [Double]?) {
    guard parameters.count == parameterCount, direction.map({ $0.count == parameterCount }) ?? true
    else {
      throw PruningError.invalidModel("parameter or direction length differs from the model's")
    }
    guard batch.imageShape == (inputChannels, inputHeight, inputWidth) else {
      throw PruningError.invalidModel("batch images are not \(inputChannels)x\(inputHeight)x\(inputWidth)")
    }
    var pass = TangentPass(
      model: self, plan: try plan(), theta: ScratchBuffer(parameters),
      direction: direction.map(ScratchBuffer.init), temperature: temperature)
    return try pass.run(batch)
  }

  /// The shape after each layer and each convolution's geometry, checked against the tensors.
  func plan() throws -> [LayerShape] {
    var channels = inputChannels
    var height = inputHeight
    var width = inputWidth
    var shapes: [LayerShape] = []
    for layer in layers {
      switch layer {
      case .convolution(let weight, let bias, let stride, let padding):
        let shape = try tensor(weight).shape
        guard shape.count == 4, shape[1] == channels, stride > 0, padding >= 0 else {
          throw PruningError.invalidModel("convolution \(try tensor(weight).name) does not fit")
        }
        try checkBias(bias, count: shape[0])
        let geometry = ConvolutionGeometry(
          inChannels: channels, inHeight: height, inWidth: width, outChannels: shape[0],
          kernelHeight: shape[2], kernelWidth: shape[3], stride: stride, padding: padding)
        guard geometry.outHeight > 0, geometry.outWidth > 0 else {
          throw PruningError.invalidModel("convolution output would be empty")
        }
        (channels, height, width) = (shape[0], geometry.outHeight, geometry.outWidth)
        shapes.append(LayerShape(channels: channels, height: height, width: width, geometry: geometry))
      case .relu:
        shapes.append(LayerShape(channels: channels, height: height, width: width, geometry: nil))
      case .maxPool(let window, let stride):
        guard window > 0, stride > 0, height >= window, width >= window else {
          throw PruningError.invalidModel("max-pool window does not fit")
        }
        height = (height - window) / stride + 1
        width = (width - window) / stride + 1
        shapes.append(LayerShape(channels: channels, height: height, width: width, geometry: nil))
      case .dense(let weight, let bias):
        let shape = try tensor(weight).shape
        guard shape.count == 2, shape[1] == channels * height * width else {
          throw PruningError.invalidModel("dense \(try tensor(weight).name) does not fit")
        }
        try checkBias(bias, count: shape[0])
        (channels, height, width) = (shape[0], 1, 1)
        shapes.append(LayerShape(channels: channels, height: height, width: width, geometry: nil))
      }
    }
    return shapes
  }

  private func tensor(_ index: Int) throws -> ParameterTensor {
    guard tensors.indices.contains(index) else {
      throw PruningError.invalidModel("no tensor \(index)")
    }
    return tensors[index]
  }

  private func checkBias(_ bias: Int?, count: Int) throws {
    guard let bias else { return }
    guard try tensor(bias).count == count else {
      throw PruningError.invalidModel("bias \(try tensor(bias).name) does not have \(count) entries")
    }
  }
}

/// The output shape of one layer of a `SequentialModel`.
struct LayerShape {
  var channels: Int
  var height: Int
  var width: Int
  var geometry: ConvolutionGeometry?
  var size: Int { channels * height * width }
}
