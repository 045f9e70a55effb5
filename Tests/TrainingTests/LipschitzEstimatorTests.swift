import Collectives
import Datasets
import Foundation
import Network
import Primitives
import StepwiseTestSupport
import Testing

@testable import Training

/// Lee et al.'s Lipschitz estimate on losses whose answer is known, and against PyTorch.
@Suite struct LipschitzEstimatorTests {
  /// f(w) = 1/2 w'Aw with A = Q diag(lambda) Q' (Q a Householder reflection, so A is dense):
  /// grad = A w, and every ratio is ||A Delta|| / ||Delta||; along the top eigenvector it is the
  /// largest curvature.
  struct Quadratic {
    let n: Int
    let a: [Double]
    let eigenvalues: [Double]
    let householder: [Double]

    init(n: Int, seed: UInt64) {
      self.n = n
      var rng = TestRandom(seed: seed)
      eigenvalues = (0..<n).map { 0.5 + 9.5 * Double($0) / Double(n - 1) }  // 0.5 ... 10
      let v = (0..<n).map { _ in rng.uniform() }
      householder = v
      let vv = v.reduce(0) { $0 + $1 * $1 }
      // Q = I - 2 v v' / v'v; A = Q diag Q.
      var q = [Double](repeating: 0, count: n * n)
      for i in 0..<n {
        for j in 0..<n { q[i * n + j] = (i == j ? 1 : 0) - 2 * v[i] * v[j] / vv }
      }
      var a = [Double](repeating: 0, count: n * n)
      for i in 0..<n {
        for j in 0..<n {
          var s = 0.0
          for k in 0..<n { s += q[i * n + k] * eigenvalues[k] * q[j * n + k] }
          a[i * n + j] = s
        }
      }
      self.a = a
    }

    /// Column k of Q: the eigenvector of eigenvalue k.
    func eigenvector(_ k: Int) -> [Double] {
      let vv = householder.reduce(0) { $0 + $1 * $1 }
      return (0..<n).map { (($0 == k) ? 1 : 0) - 2 * householder[$0] * householder[k] / vv }
    }

    func gradient(_ w: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>) {
      for i in 0..<n {
        var s = 0.0
        for j in 0..<n { s += a[i * n + j] * Double(w[j]) }
        g[i] = Float(s)
      }
    }

    func times(_ x: [Double]) -> [Double] {
      (0..<n).map { i in (0..<n).reduce(0.0) { $0 + a[i * n + $1] * x[$1] } }
    }
  }

  /// Runs the estimator from `previous` to `current` on the quadratic.
  static func estimate(
    _ f: Quadratic, previous: [Float], current: [Float], mask: [Float]?,
    gammas: [Double] = ProbeSchedule.Lipschitz.leeEtAlGammas
  ) -> (perGamma: [Double], stepNorm: Double, restored: [Float]) {
    var parameters = current
    var g0 = [Float](repeating: 0, count: f.n)
    var g = [Float](repeating: 0, count: f.n)
    var scratch = [Float](repeating: 0, count: f.n)
    previous.withUnsafeBufferPointer { p in f.gradient(p.baseAddress!, into: &g0) }
    let r = parameters.withUnsafeMutableBufferPointer { w in
      scratch.withUnsafeMutableBufferPointer { s in
        g.withUnsafeMutableBufferPointer { gb in
          (mask ?? []).withUnsafeBufferPointer { m in
            LipschitzEstimator.ratios(
              parameters: w.baseAddress!, previous: previous, previousGradient: g0,
              mask: mask == nil ? nil : m.baseAddress, count: f.n, scratch: s.baseAddress!,
              gammas: gammas
            ) {
              f.gradient(w.baseAddress!, into: gb.baseAddress!)
              return UnsafePointer(gb.baseAddress!)
            }
          }
        }
      }
    }
    return (r.perGamma, r.stepNorm, parameters)
  }

  @Test func quadraticAlongTopEigenvectorGivesLargestCurvature() {
    let f = Quadratic(n: 24, seed: 7)
    var rng = TestRandom(seed: 8)
    let previous = (0..<f.n).map { _ in Float(rng.uniform()) }
    let top = f.eigenvector(f.n - 1)
    let current = (0..<f.n).map { previous[$0] + Float(0.01 * top[$0]) }
    let r = Self.estimate(f, previous: previous, current: current, mask: nil)
    #expect(r.perGamma.count == 9)
    for (gamma, ratio) in zip(ProbeSchedule.Lipschitz.leeEtAlGammas, r.perGamma) {
      // Float parameters hold Delta to about 1e-7 / 0.01 relative.
      #expect(abs(ratio - 10) / 10 < 1e-3, "gamma \(gamma): \(ratio)")
    }
    #expect(r.restored == current)
  }

  @Test func quadraticAlongAnyStepGivesCurvatureOfThatStep() {
    let f = Quadratic(n: 24, seed: 11)
    var rng = TestRandom(seed: 12)
    let previous = (0..<f.n).map { _ in Float(rng.uniform()) }
    // A gradient-descent step, as a trial would take.
    var g = [Float](repeating: 0, count: f.n)
    f.gradient(previous, into: &g)
    let current = (0..<f.n).map { previous[$0] - 0.05 * g[$0] }
    let delta = (0..<f.n).map { Double(current[$0]) - Double(previous[$0]) }
    let ad = f.times(delta)
    let expected =
      ad.reduce(0) { $0 + $1 * $1 }.squareRoot() / delta.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let r = Self.estimate(f, previous: previous, current: current, mask: nil)
    #expect(expected < 10 && expected > 0.5)
    for ratio in r.perGamma { #expect(abs(ratio - expected) / expected < 1e-4, "\(ratio)") }
    #expect(
      abs(r.stepNorm - delta.reduce(0) { $0 + $1 * $1 }.squareRoot()) < 1e-9)
  }

  /// Pruned entries have gradient 0 and move 0: with a mask the estimate is the one of the
  /// quadratic restricted to the kept coordinates, whatever the pruned entries hold.
  @Test func maskedEntriesContributeNothing() {
    let f = Quadratic(n: 16, seed: 21)
    var rng = TestRandom(seed: 22)
    let mask: [Float] = (0..<f.n).map { $0 % 3 == 0 ? 0 : 1 }
    let previous = (0..<f.n).map { mask[$0] * Float(rng.uniform()) }
    let move = (0..<f.n).map { _ in Float(0.02 * rng.uniform()) }
    let current = (0..<f.n).map { mask[$0] * (previous[$0] + move[$0]) }
    let r = Self.estimate(f, previous: previous, current: current, mask: mask)
    // By hand: the kept coordinates of A Delta (Delta is zero on the pruned ones).
    let delta = (0..<f.n).map { Double(current[$0]) - Double(previous[$0]) }
    let ad = f.times(delta)
    let kept = (0..<f.n).filter { mask[$0] != 0 }
    let expected =
      kept.reduce(0.0) { $0 + ad[$1] * ad[$1] }.squareRoot()
      / kept.reduce(0.0) { $0 + delta[$1] * delta[$1] }.squareRoot()
    let unmasked = Self.estimate(f, previous: previous, current: current, mask: nil)
    for (ratio, full) in zip(r.perGamma, unmasked.perGamma) {
      #expect(abs(ratio - expected) / expected < 1e-4, "\(ratio) vs \(expected)")
      #expect(full > ratio * 1.01, "the pruned gradients must have been left out")
    }
  }

  @Test func zeroStepGivesNaNAndRestores() {
    let f = Quadratic(n: 8, seed: 3)
    let w: [Float] = (0..<8).map { Float($0) / 8 }
    let r = Self.estimate(f, previous: w, current: w, mask: nil, gammas: [0.5])
    #expect(r.perGamma.count == 1 && r.perGamma[0].isNaN)
    #expect(r.restored == w)
  }

  // MARK: Against PyTorch (scripts/torch_probe_fixtures.py)

  struct Fixture: Decodable {
    var format: String
    var version: Int
    var model: String
    var examples: Int
    var step_batch: Int
    var learning_rate: Double
    var sparsity: Double
    var gammas: [Double]
    var ratios: [Double]
    var estimate: Double
    var gradient_norm: Double
    var step_norm: Double
  }

  static func fixture() throws -> Fixture {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent(
        "Fixtures/Probes/lipschitz-simple-cnn.json")
    return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
  }

  /// The fixture's split (inputs and labels from the SplitMix64 streams of torch_fixtures.py).
  static func split(_ c: Fixture, description: ModelDescription) -> ImageSet {
    var inputRng = TestRandom(seed: 2)
    let x = (0..<(c.examples * description.input.count)).map { _ in
      Float(2 * inputRng.unit() - 1)
    }
    var labelRng = TestRandom(seed: 4)
    let y = (0..<c.examples).map { _ in Int32(labelRng.next() % 10) }
    let shape = description.input
    return ImageSet(
      count: c.examples, channels: shape.channels, height: shape.height, width: shape.width,
      pixels: x, labels: y)
  }

  /// torch_fixtures.py's parameters: weights uniform on +-sqrt(3 / fan-in), biases on +-0.1, one
  /// SplitMix64(1) stream over the flat layout (as NetworkTests' `TorchFixtureTests`).
  static func fixtureParameters(_ store: ParameterStore) -> [Float] {
    var rng = TestRandom(seed: 1)
    return store.slices.flatMap { s in
      let limit = s.kind == .weight ? (3.0 / Double(s.fanIn)).squareRoot() : 0.1
      return (0..<s.count).map { _ in Float((2 * rng.unit() - 1) * limit) }
    }
  }

  /// A model at the fixture's w_prev, with the fixture's mask.
  static func model(_ c: Fixture, description: ModelDescription) throws -> Model {
    let model = try Model(description, maxBatch: 16)
    model.store.setParameters(fixtureParameters(model.store))
    var rng = TestRandom(seed: 3)
    let mask = (0..<model.store.count).map { _ in rng.unit() < c.sparsity ? Float(0) : 1 }
    mask.withUnsafeBufferPointer { model.store.setMask($0) }
    return model
  }

  /// The estimate through the trainer's own path: `ProbeGradients.fullSplit` over `comm`.
  static func estimateOnModel(_ c: Fixture, comm: any Communicator) throws -> LipschitzMeasurement {
    let description = try #require(ModelDescription.named(c.model))
    let data = split(c, description: description)
    let model = try model(c, description: description)
    let store = model.store
    let gradients = ProbeGradients(model: model, comm: comm, train: data, largestBatch: 0)
    let previous = store.parameterArray()
    let g0 = Array(
      UnsafeBufferPointer(start: try gradients.fullSplit(examples: c.examples), count: store.count))
    // One SGD step on the first step_batch examples (every rank takes the same step).
    _ = try data.pixels.withUnsafeBufferPointer { x in
      try data.labels.withUnsafeBufferPointer { y in
        try model.trainStep(input: x.baseAddress!, labels: y.baseAddress!, count: c.step_batch)
      }
    }
    SGD().step(store: store, learningRate: Float(c.learning_rate))
    var scratch = [Float](repeating: 0, count: store.count)
    let r = try scratch.withUnsafeMutableBufferPointer { s in
      try LipschitzEstimator.ratios(
        parameters: store.parameters, previous: previous, previousGradient: g0,
        mask: gradients.mask, count: store.count, scratch: s.baseAddress!, gammas: c.gammas
      ) { try gradients.fullSplit(examples: c.examples) }
    }
    return LipschitzMeasurement(
      step: 1, perGamma: r.perGamma, gammas: c.gammas,
      gradientNorm: ProbeVector.squaredNorm(g0, mask: gradients.mask, count: store.count)
        .squareRoot(),
      stepNorm: r.stepNorm, examples: c.examples, seconds: 0)
  }

  @Test func simpleCNNMatchesPyTorch() throws {
    let c = try Self.fixture()
    #expect(c.format == "stepwise-probe-fixture" && c.version == 1)
    let m = try Self.estimateOnModel(c, comm: SingleRank())
    #expect(abs(m.gradientNorm - c.gradient_norm) / c.gradient_norm < 1e-4)
    #expect(abs(m.stepNorm - c.step_norm) / c.step_norm < 1e-4)
    for (ours, torch) in zip(m.perGamma, c.ratios) {
      #expect(abs(ours - torch) / torch < 1e-3, "\(ours) vs torch \(torch)")
    }
    #expect(abs(m.estimate - c.estimate) / c.estimate < 1e-3)
  }

  /// Two data-parallel workers (each half of the split, all-reduced) give the one-worker values,
  /// up to the order of the Float sums.
  @Test func twoWorkersEqualOne() throws {
    let c = try Self.fixture()
    let one = try Self.estimateOnModel(c, comm: SingleRank())
    let ranks = try resultsOnThreads(2) { comm in try Self.estimateOnModel(c, comm: comm) }
    let (a, b) = (ranks[0], ranks[1])
    #expect(a == b, "both ranks hold the same measurement")
    for (two, single) in zip(a.perGamma, one.perGamma) {
      #expect(abs(two - single) / single < 1e-4, "\(two) vs \(single)")
    }
  }
}
