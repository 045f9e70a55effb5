import Network
import Primitives
import Pruning

/// Small networks and data for tests that need exact arithmetic or many evaluations.
enum TinyNetworks {
  /// conv 3x3 2->3 (padding 1, stride 1), ReLU, max-pool 2, dense 48->4, on 2x8x8 images, with
  /// non-zero biases so that no pre-activation sits at a ReLU kink.
  static func convNet(seed: UInt64) throws -> SequentialModel {
    try convNet(seed: seed, smooth: false)
  }

  /// conv 3x3 2->3 (padding 1) then dense 192->4, no activation: a network whose loss is smooth
  /// in every parameter, where a finite difference of gradients has only truncation and rounding
  /// error.
  static func smoothNet(seed: UInt64) throws -> SequentialModel {
    try convNet(seed: seed, smooth: true)
  }

  private static func convNet(seed: UInt64, smooth: Bool) throws -> SequentialModel {
    let tensors = ParameterTensor.tiling([
      ("conv.weight", .weight, [3, 2, 3, 3]), ("conv.bias", .bias, [3]),
      ("dense.weight", .weight, [4, smooth ? 192 : 48]), ("dense.bias", .bias, [4]),
    ])
    let pooled: [SequentialModel.Layer] = smooth ? [] : [.relu, .maxPool(window: 2, stride: 2)]
    return try SequentialModel(
      tensors: tensors,
      layers: [.convolution(weight: 0, bias: 1, stride: 1, padding: 1)] + pooled
        + [.dense(weight: 2, bias: 3)],
      inputShape: (2, 8, 8), parameters: uniformParameters(tensors, seed: seed, scale: 0.8))
  }

  /// A small ResNet in ResNet-8's pattern on 2x8x8 images, with every layer kind the built-in
  /// models use besides max-pool: conv 3x3 2->4 SAME; residual [relu, conv 4->4, relu, conv 4->4]
  /// (identity shortcut); relu; residual [conv 4->8 stride 2 SAME (padding after only), relu,
  /// conv 8->8] (average-pool shortcut zero-padded 4->8 channels); relu; average pool 2;
  /// global average pool; dense 8->4. Biases are non-zero so that no pre-activation sits at a
  /// kink. `smooth` drops the ReLUs, leaving a network whose loss is smooth in every parameter.
  static func residualNet(seed: UInt64, smooth: Bool = false) throws -> SequentialModel {
    let shapes: [(String, ParameterTensor.Role, [Int])] = [
      ("conv1.weight", .weight, [4, 2, 3, 3]), ("conv1.bias", .bias, [4]),
      ("conv2.weight", .weight, [4, 4, 3, 3]), ("conv2.bias", .bias, [4]),
      ("conv3.weight", .weight, [4, 4, 3, 3]), ("conv3.bias", .bias, [4]),
      ("conv4.weight", .weight, [8, 4, 3, 3]), ("conv4.bias", .bias, [8]),
      ("conv5.weight", .weight, [8, 8, 3, 3]), ("conv5.bias", .bias, [8]),
      ("dense.weight", .weight, [4, 8]), ("dense.bias", .bias, [4]),
    ]
    let tensors = ParameterTensor.tiling(shapes)
    let parameters = uniformParameters(tensors, seed: seed, scale: 0.5)
    let relu: [SequentialModel.Layer] = smooth ? [] : [.relu]
    func conv(_ index: Int, stride: Int) -> SequentialModel.Layer {
      .convolution(weight: 2 * index, bias: 2 * index + 1, stride: stride, padding: .same)
    }
    return try SequentialModel(
      tensors: tensors,
      layers: [
        conv(0, stride: 1),
        .residual(body: relu + [conv(1, stride: 1)] + relu + [conv(2, stride: 1)]),
      ]
        + relu + [.residual(body: [conv(3, stride: 2)] + relu + [conv(4, stride: 1)])] + relu
        + [.averagePool(window: 2, stride: 2), .globalAveragePool, .dense(weight: 10, bias: 11)],
      inputShape: (2, 8, 8), parameters: parameters)
  }

  /// `count` images of 2x8x8 with labels in 0..<4.
  static func batch(count: Int, seed: UInt64) -> PruningBatch {
    var generator = SplitMix64(seed: seed)
    let images = (0..<(count * 128)).map { _ in Float(uniform(&generator)) }
    let labels = (0..<count).map { _ in generator.nextIndex(below: 4) }
    return PruningBatch(images: images, labels: labels, imageShape: (2, 8, 8))
  }

  /// The tensors' parameters drawn uniform in [-scale, scale).
  static func uniformParameters(_ tensors: [ParameterTensor], seed: UInt64, scale: Double)
    -> [Float]
  {
    var generator = SplitMix64(seed: seed)
    let count = tensors.last.map { $0.offset + $0.count } ?? 0
    return (0..<count).map { _ in Float(uniform(&generator) * scale) }
  }

  /// Images of `shape`, one per label, with pixels uniform in [-1, 1) drawn from `generator`.
  static func batch(
    _ shape: TensorShape, labels: [Int], generator: inout SplitMix64
  ) -> PruningBatch {
    PruningBatch(
      images: (0..<(labels.count * shape.count)).map { _ in Float(uniform(&generator)) },
      labels: labels, imageShape: (shape.channels, shape.height, shape.width))
  }

  /// Uniform in [-1, 1).
  static func uniform(_ generator: inout SplitMix64) -> Double {
    Double(generator.next() >> 11) * 0x1p-53 * 2 - 1
  }

  /// Relative L2 distance |a - b| / |b|.
  static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    var difference = 0.0
    var norm = 0.0
    for index in a.indices {
      difference += (a[index] - b[index]) * (a[index] - b[index])
      norm += b[index] * b[index]
    }
    return (difference / norm).squareRoot()
  }
}

/// A network that rounds its gradients to `Float`, as Network's kernels produce them, so the
/// finite-difference Hessian is tested with the precision it will meet.
struct FloatGradientNetwork: PruningNetwork {
  var base: SequentialModel
  var tensors: [ParameterTensor] { base.tensors }
  var parameters: [Float] { base.parameters }

  func accumulateGradient(
    at parameters: [Float], batch: PruningBatch, temperature: Double, scale: Double,
    into gradient: inout [Double]
  ) throws -> Double {
    var exact = [Double](repeating: 0, count: gradient.count)
    let loss = try base.accumulateGradient(
      at: parameters, batch: batch, temperature: temperature, scale: 1, into: &exact)
    for index in gradient.indices { gradient[index] += scale * Double(Float(exact[index])) }
    return loss
  }
}
