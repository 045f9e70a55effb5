import Network
import StepwiseTestSupport
import Testing

/// The fast Float model (oneDNN, sgemm, Swift loops) against the Double reference interpreter on
/// the same parameters and batch. Tolerance: max |fast - reference| / max |reference| below 1e-4
/// for logits and gradients (Float accumulation over up to 3,200 products per output; observed
/// errors are around 1e-6).
@Suite struct FastVersusReferenceTests {
  static let models: [(String, ModelDescription)] = [
    ("simple-cnn", .simpleCNN()),
    ("resnet-8-small", .resnet8(input: TensorShape(channels: 3, height: 8, width: 8))),
    (
      "shallue-tiny",
      .shallueSimpleCNN(
        conv1: 4, conv2: 6, hidden: 16, name: "tiny",
        input: TensorShape(channels: 1, height: 12, width: 12))
    ),
    (
      "fc-32-16",
      .fullyConnected(hidden: [32, 16], input: TensorShape(channels: 2, height: 5, width: 5))
    ),
    (
      "avgpool-gap",
      ModelDescription(
        name: "pools", input: TensorShape(channels: 2, height: 9, width: 9), classes: 3,
        layers: [
          .conv2d(filters: 5, kernel: 3, stride: 2, padding: .same, bias: false), .relu,
          .avgPool(window: 2, stride: 1),
          .conv2d(filters: 4, kernel: 2, stride: 1, padding: .valid, bias: true),
          .globalAvgPool, .dense(units: 3, bias: false),
        ])
    ),
  ]

  @Test(arguments: [0, 1, 2, 3, 4], [1, 5])
  func fastModelMatchesReference(index: Int, batch: Int) throws {
    let (_, description) = Self.models[index]
    let model = try Model(description, maxBatch: 4)
    model.initialize(seed: 7)
    // Non-zero biases so that bias paths are exercised.
    var rng = TestRandom(seed: 11)
    for s in model.store.slices where s.kind == .bias {
      for i in 0..<s.count { model.store.parameters[s.offset + i] = Float(rng.uniform() * 0.1) }
    }
    let x = rng.uniforms(batch * description.input.count).map(Float.init)
    let labels = rng.labels(batch, classes: description.classes)
    let labels32 = labels.map(Int32.init)
    let (loss, _) = try model.trainStep(input: x, labels: labels32, count: batch)
    let params = model.store.parameterArray().map(Double.init)
    let reference = ReferenceModel<Double>(description)
    let (refLoss, refGrad) = reference.lossAndGradient(
      parameters: params, input: x.map(Double.init), labels: labels)
    #expect(Gradcheck.relativeError(Double(loss), refLoss) < 1e-5)
    let grad = model.store.gradientArray().map(Double.init)
    for s in model.store.slices {
      let a = Array(grad[s.offset..<(s.offset + s.count)])
      let b = Array(refGrad[s.offset..<(s.offset + s.count)])
      let err = Gradcheck.scaledMaxError(a, b)
      #expect(err < 1e-4, "\(s.name): \(err)")
    }
  }
}
