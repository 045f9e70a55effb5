import Network
import StepwiseTestSupport
import Testing

/// Central-difference gradient checks of the reference interpreter in Double: every layer kind
/// (inside a minimal model that ends in dense logits and the mean softmax cross-entropy) and
/// whole small models. Step h = 1e-5; an entry passes when |analytic - numeric| /
/// max(|analytic|, |numeric|, 1e-6) < 1e-5 (central differences in Double are accurate to about
/// h^2 + eps/h ~ 1e-10 absolute). Inputs are random, so ReLU/max-pool kinks are hit with
/// probability ~0.
@Suite struct GradcheckTests {
  static func tiny(_ layers: [NetworkLayer], input: TensorShape, classes: Int = 3)
    -> ModelDescription
  {
    ModelDescription(
      name: "tiny", input: input, classes: classes,
      layers: layers + [.dense(units: classes, bias: true)])
  }

  static let shape = TensorShape(channels: 2, height: 6, width: 6)
  static let cases: [(String, ModelDescription)] = [
    (
      "conv valid",
      tiny([.conv2d(filters: 3, kernel: 3, stride: 1, padding: .valid, bias: true)], input: shape)
    ),
    (
      "conv same",
      tiny([.conv2d(filters: 3, kernel: 3, stride: 1, padding: .same, bias: true)], input: shape)
    ),
    (
      "conv same stride 2",
      tiny([.conv2d(filters: 3, kernel: 3, stride: 2, padding: .same, bias: false)], input: shape)
    ),
    (
      "conv valid stride 2",
      tiny([.conv2d(filters: 2, kernel: 2, stride: 2, padding: .valid, bias: true)], input: shape)
    ),
    ("dense", tiny([.dense(units: 4, bias: true)], input: shape)),
    ("dense no bias", tiny([.dense(units: 4, bias: false)], input: shape)),
    (
      "relu",
      tiny(
        [.conv2d(filters: 2, kernel: 1, stride: 1, padding: .valid, bias: true), .relu],
        input: shape)
    ),
    (
      "max pool",
      tiny(
        [
          .conv2d(filters: 2, kernel: 1, stride: 1, padding: .valid, bias: true),
          .maxPool(window: 2, stride: 2),
        ], input: shape)
    ),
    (
      "max pool overlapping",
      tiny(
        [
          .conv2d(filters: 2, kernel: 1, stride: 1, padding: .valid, bias: true),
          .maxPool(window: 3, stride: 1),
        ], input: shape)
    ),
    (
      "avg pool",
      tiny(
        [
          .conv2d(filters: 2, kernel: 1, stride: 1, padding: .valid, bias: true),
          .avgPool(window: 2, stride: 2),
        ], input: shape)
    ),
    (
      "global avg pool",
      tiny(
        [.conv2d(filters: 2, kernel: 3, stride: 1, padding: .valid, bias: true), .globalAvgPool],
        input: shape)
    ),
    (
      "flatten",
      tiny(
        [.conv2d(filters: 2, kernel: 3, stride: 1, padding: .valid, bias: true), .flatten],
        input: shape)
    ),
    (
      "residual identity",
      tiny(
        [
          .residual(body: [
            .relu, .conv2d(filters: 2, kernel: 3, stride: 1, padding: .same, bias: true),
          ])
        ], input: shape)
    ),
    (
      "residual zero-pad stride 2",
      tiny(
        [
          .relu,
          .residual(body: [
            .conv2d(filters: 4, kernel: 3, stride: 2, padding: .same, bias: true), .relu,
            .conv2d(filters: 4, kernel: 3, stride: 1, padding: .same, bias: true),
          ]),
        ], input: shape)
    ),
    ("resnet-8 on 8x8", .resnet8(input: TensorShape(channels: 3, height: 8, width: 8))),
    (
      "shallue tiny",
      .shallueSimpleCNN(
        conv1: 2, conv2: 3, hidden: 5, name: "t",
        input: TensorShape(channels: 1, height: 8, width: 8))
    ),
  ]

  @Test(arguments: 0..<16)
  func everyParameterMatchesCentralDifferences(index: Int) {
    let (name, description) = Self.cases[index]
    let model = ReferenceModel<Double>(description)
    var rng = TestRandom(seed: UInt64(100 + index))
    let params = rng.uniforms(model.parameterCount, scale: 0.5)
    let batch = 3
    let x = rng.uniforms(batch * description.input.count)
    let labels = rng.labels(batch, classes: description.classes)
    let (_, grad) = model.lossAndGradient(parameters: params, input: x, labels: labels)
    // All entries for small models, a spread of 60 for larger ones (ResNet-8: every tensor).
    let count = params.count
    let indices =
      count <= 400 ? Array(0..<count) : (0..<60).map { $0 * count / 60 }
    let numeric = Gradcheck.centralDifferences(
      { model.lossAndGradient(parameters: $0, input: x, labels: labels).loss }, at: params,
      indices: indices)
    let analytic = indices.map { grad[$0] }
    let err = Gradcheck.maxRelativeError(analytic, numeric)
    #expect(err < 1e-5, "\(name): max relative error \(err)")
  }

  /// Simple-CNN has too many parameters to probe one by one: compare <grad, d> with the
  /// central difference along a random direction d. The step is 1e-7 (not 1e-5): along d every
  /// one of the 62,346 parameters moves, and a larger step carries some ReLU/max-pool
  /// pre-activations across their kinks (seen: 3e-3 relative error at 1e-5). Tolerance 1e-5.
  @Test func simpleCNNRandomDirection() {
    let description = ModelDescription.simpleCNN()
    let model = ReferenceModel<Double>(description)
    var rng = TestRandom(seed: 5)
    let params = rng.uniforms(model.parameterCount, scale: 0.1)
    let x = rng.uniforms(2 * description.input.count)
    let labels = rng.labels(2, classes: 10)
    let direction = rng.uniforms(params.count)
    let (_, grad) = model.lossAndGradient(parameters: params, input: x, labels: labels)
    let analytic = zip(grad, direction).map(*).reduce(0, +)
    let numeric = Gradcheck.directionalDerivative(
      { model.lossAndGradient(parameters: $0, input: x, labels: labels).loss }, at: params,
      direction: direction, step: 1e-7)
    #expect(Gradcheck.relativeError(analytic, numeric) < 1e-5, "\(analytic) vs \(numeric)")
  }
}
