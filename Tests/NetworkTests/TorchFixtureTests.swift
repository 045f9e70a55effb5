import Foundation
import Network
import Primitives
import StepwiseTestSupport
import Testing

/// Short training trajectories against PyTorch 1.13 (float64), from `scripts/torch_fixtures.py`.
/// Both sides draw parameters, inputs, labels and masks from the same SplitMix64 streams; the
/// fixtures hold losses, step-0 gradients and the effective weights after the last step.
///
/// Tolerances (our Float32 against PyTorch's float64): loss relative error < 1e-4 at every step;
/// step-0 gradient and final weights: max |ours - torch| / max |torch| < 1e-4 per tensor (full
/// tensors) or over the strided sample.
@Suite struct TorchFixtureTests {
  struct Case: Decodable {
    struct ArrayRef: Decodable {
      var offset: Int
      var count: Int
      var stride: Int
    }
    var model: String
    var batch: Int
    var optimizer: String
    var learning_rate: Double
    var momentum: Double
    var sparsity: Double
    var steps: Int
    var losses: [Double]
    var correct: [Int]
    var final_weights: ArrayRef
    var gradient0: ArrayRef?
  }
  struct File: Decodable {
    var format: String
    var version: Int
    var cases: [Case]
  }

  static func load() throws -> (File, [Float]) {
    let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    let meta = try JSONDecoder().decode(
      File.self, from: Data(contentsOf: dir.appendingPathComponent("fixtures.json")))
    let blob = try Data(contentsOf: dir.appendingPathComponent("fixtures.bin"))
    let floats = blob.withUnsafeBytes { raw in
      (0..<(blob.count / 4)).map {
        Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian)
      }
    }
    return (meta, floats)
  }

  static func slice(_ blob: [Float], _ ref: Case.ArrayRef) -> [Double] {
    blob[ref.offset..<(ref.offset + ref.count)].map(Double.init)
  }

  /// The parameters `torch_fixtures.py` draws: weights uniform on ±sqrt(3 / fan-in), biases on
  /// ±0.1, one SplitMix64(1) stream over the flat layout.
  static func fixtureParameters(_ store: ParameterStore) -> [Float] {
    var rng = TestRandom(seed: 1)
    var values: [Float] = []
    for s in store.slices {
      let limit = s.kind == .weight ? (3.0 / Double(s.fanIn)).squareRoot() : 0.1
      for _ in 0..<s.count { values.append(Float((2 * rng.unit() - 1) * limit)) }
    }
    return values
  }

  /// Every case on the dense kernels and, for the pruned ones, on the sparse kernels too.
  @Test(arguments: 0..<12, [SparseKernelPolicy.dense, .sparse])
  func trajectoryMatchesPyTorch(index: Int, kernels: SparseKernelPolicy) throws {
    let (file, blob) = try Self.load()
    #expect(file.format == "stepwise-torch-fixtures" && file.version == 1)
    let c = try #require(file.cases.indices.contains(index) ? file.cases[index] : nil)
    let description = try #require(ModelDescription.named(c.model))
    if kernels == .sparse && c.sparsity == 0 { return }
    let model = try Model(description, maxBatch: c.batch)
    model.store.setParameters(Self.fixtureParameters(model.store))
    model.sparsePolicy = kernels
    if c.sparsity > 0 {
      var rng = TestRandom(seed: 3)
      let mask = (0..<model.store.count).map { _ in rng.unit() < c.sparsity ? Float(0) : 1 }
      try mask.withUnsafeBufferPointer { try model.setMask($0) }
      #expect(model.layerPaths.allSatisfy { $0.path == (kernels == .sparse ? .sparse : .dense) })
    }
    var inputRng = TestRandom(seed: 2)
    let x = (0..<(c.batch * description.input.count)).map { _ in
      Float(2 * inputRng.unit() - 1)
    }
    var labelRng = TestRandom(seed: 4)
    let y = (0..<c.batch).map { _ in Int32(labelRng.next() % 10) }
    let sgd: SGD
    switch c.optimizer {
    case "sgd": sgd = SGD(momentum: .none)
    case "momentum": sgd = SGD(momentum: .heavyBall(Float(c.momentum)))
    default: sgd = SGD(momentum: .nesterov(Float(c.momentum)))
    }
    for step in 0..<c.steps {
      let (loss, correct) = try model.trainStep(input: x, labels: y, count: c.batch)
      #expect(
        Gradcheck.relativeError(Double(loss), c.losses[step]) < 1e-4,
        "step \(step): loss \(loss) vs torch \(c.losses[step])")
      #expect(correct == c.correct[step], "step \(step)")
      if step == 0, let ref = c.gradient0 {
        // PyTorch's gradient of w in mask * w is mask * dL/dw_eff; ours is dL/dw_eff until
        // the optimizer masks it.
        let ours = (0..<model.store.count).map {
          Double(model.store.gradients[$0] * model.store.masks[$0])
        }
        try Self.compare(ours, Self.slice(blob, ref), ref, model.store, "gradient0")
      }
      sgd.step(store: model.store, learningRate: Float(c.learning_rate))
    }
    let final = model.store.parameterArray().map(Double.init)
    try Self.compare(
      final, Self.slice(blob, c.final_weights), c.final_weights, model.store, "final")
  }

  static func compare(
    _ ours: [Double], _ torch: [Double], _ ref: Case.ArrayRef, _ store: ParameterStore,
    _ what: String
  ) throws {
    let sampled = stride(from: 0, to: ours.count, by: ref.stride).map { ours[$0] }
    try #require(sampled.count == torch.count)
    if ref.stride == 1 {
      for s in store.slices {
        let err = Gradcheck.scaledMaxError(
          Array(sampled[s.offset..<(s.offset + s.count)]),
          Array(torch[s.offset..<(s.offset + s.count)]))
        #expect(err < 1e-4, "\(what) \(s.name): \(err)")
      }
    } else {
      let err = Gradcheck.scaledMaxError(sampled, torch)
      #expect(err < 1e-4, "\(what) (every \(ref.stride)th entry): \(err)")
    }
  }
}
