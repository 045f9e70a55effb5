/// A network of convolution, ReLU, max-pool, average-pool, global-average-pool, dense and
/// residual layers over a flat parameter buffer, with the exact gradient and the exact
/// Hessian-vector product of its mean softmax cross-entropy.
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
  public indirect enum Layer: Hashable, Sendable {
    /// Cross-correlation with square stride and zero padding.
    case convolution(weight: Int, bias: Int?, stride: Int, padding: ConvolutionPadding)
    case relu
    /// Square VALID window; ties go to the first maximum in row-major order (PyTorch's CPU kernel).
    case maxPool(window: Int, stride: Int)
    /// Square VALID window, the mean of its entries.
    case averagePool(window: Int, stride: Int)
    /// The mean of each channel's plane: `(C, H, W)` -> `(C, 1, 1)`.
    case globalAveragePool
    /// y = W x + b on each image's flattened features.
    case dense(weight: Int, bias: Int?)
    /// y = body(x) + shortcut(x), Network's `Residual`: the shortcut is the identity when the
    /// body keeps the shape; otherwise an average pool with window = stride = H / Ho, with the
    /// channels `Cin..<Cout` zero (Lee et al.'s zero-padded channel shortcut, no parameters).
    case residual(body: [Layer])
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
        throw PruningError.invalidModel(
          "tensor \(tensor.name) starts at \(tensor.offset), not \(next)")
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
    return try SequentialModel(
      tensors: ParameterTensor.tiling(shapes),
      layers: [
        .convolution(weight: 0, bias: 1, stride: 1, padding: 0), .relu,
        .maxPool(window: 2, stride: 2),
        .convolution(weight: 2, bias: 3, stride: 1, padding: 0), .relu,
        .maxPool(window: 2, stride: 2),
        .dense(weight: 4, bias: 5),
      ],
      inputShape: (1, 28, 28), parameters: parameters)
  }

  /// Lee et al.'s ResNet-8 without batch norm for 32x32x3 images (science.md §2.1), laid out as
  /// Network's `ModelDescription.resnet8` (tensors `conv1` ... `conv7`, `dense1`; 75,050
  /// parameters): conv 3x3 16 SAME; block 16 (identity shortcut of the pre-ReLU input); ReLU,
  /// blocks 32 and 64 with stride 2 (average-pool zero-padded shortcut); ReLU, global average
  /// pool, dense 64->10. SAME is TensorFlow's: at stride 2 the padding is at the bottom/right.
  public static func resnet8(parameters: [Float], classes: Int = 10) throws -> SequentialModel {
    var shapes: [(String, ParameterTensor.Role, [Int])] = []
    var previous = 3
    for (index, channels) in [16, 16, 16, 32, 32, 64, 64].enumerated() {
      shapes.append(("conv\(index + 1).weight", .weight, [channels, previous, 3, 3]))
      shapes.append(("conv\(index + 1).bias", .bias, [channels]))
      previous = channels
    }
    shapes += [("dense1.weight", .weight, [classes, 64]), ("dense1.bias", .bias, [classes])]
    func conv(_ index: Int, stride: Int) -> Layer {
      .convolution(weight: 2 * index, bias: 2 * index + 1, stride: stride, padding: .same)
    }
    return try SequentialModel(
      tensors: ParameterTensor.tiling(shapes),
      layers: [
        conv(0, stride: 1),
        .residual(body: [.relu, conv(1, stride: 1), .relu, conv(2, stride: 1)]),
        .relu, .residual(body: [conv(3, stride: 2), .relu, conv(4, stride: 1)]),
        .relu, .residual(body: [conv(5, stride: 2), .relu, conv(6, stride: 1)]),
        .relu, .globalAveragePool, .dense(weight: 14, bias: 15),
      ],
      inputShape: (3, 32, 32), parameters: parameters)
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
      throw PruningError.invalidModel(
        "batch images are \(batch.imageShape.channels)x\(batch.imageShape.height)x"
          + "\(batch.imageShape.width), the model takes "
          + "\(inputChannels)x\(inputHeight)x\(inputWidth)")
    }
    guard batch.images.count == batch.count * batch.imageSize else {
      throw PruningError.invalidModel(
        "\(batch.images.count) pixel values for \(batch.count) images of \(batch.imageSize)")
    }
    var pass = TangentPass(
      model: self, plan: try plan(), theta: ScratchBuffer(parameters),
      direction: direction.map(ScratchBuffer.init), temperature: temperature)
    return try pass.run(batch)
  }

  /// Every layer's input and output shape (and each convolution's geometry), checked against the
  /// tensors.
  func plan() throws -> [LayerPlan] {
    try LayerPlan.chain(
      layers,
      input: LayerShape(channels: inputChannels, height: inputHeight, width: inputWidth),
      tensors: tensors)
  }
}

extension ParameterTensor {
  /// Tensors of these shapes laid end to end from offset 0.
  public static func tiling(_ shapes: [(String, Role, [Int])]) -> [ParameterTensor] {
    var tensors: [ParameterTensor] = []
    var offset = 0
    for (name, role, shape) in shapes {
      tensors.append(ParameterTensor(name: name, role: role, offset: offset, shape: shape))
      offset += shape.reduce(1, *)
    }
    return tensors
  }
}
