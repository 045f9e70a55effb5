import Network
import Testing

/// Variance-scaling statistics on Shallue's base model's 3.2M-weight dense layer and the
/// Simple-CNN's convolutions. Tolerances: with n samples the sample std of the std estimate is
/// about σ/sqrt(2n); for n = 51,200 that is 0.3%, so 2% bounds are > 6 standard errors.
@Suite struct InitializationTests {
  @Test func truncatedNormalFanInHasTargetStdAndCut() throws {
    let model = try Model(.simpleCNN(), maxBatch: 1)
    model.initialize(seed: 42)
    for s in model.store.slices {
      let values = (0..<s.count).map { Double(model.store.parameters[s.offset + $0]) }
      if s.kind == .bias {
        #expect(values.allSatisfy { $0 == 0 })
        continue
      }
      let target = (1 / Double(s.fanIn)).squareRoot()
      let mean = values.reduce(0, +) / Double(values.count)
      let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
        .squareRoot()
      let rawSigma = target / VarianceScaling.truncatedStdFactor
      #expect(abs(mean) < 4 * target / Double(values.count).squareRoot(), "\(s.name) mean \(mean)")
      if s.count >= 10_000 {
        #expect(abs(std / target - 1) < 0.02, "\(s.name) std \(std) target \(target)")
      }
      #expect(values.allSatisfy { abs($0) <= 2 * rawSigma * (1 + 1e-6) }, "\(s.name) cut")
      // Truncation really happens: a few values lie beyond 1.9 raw sigma.
      if s.count >= 10_000 {
        #expect(values.contains { abs($0) > 1.9 * rawSigma })
      }
    }
  }

  @Test(arguments: [WeightDistribution.normal, .uniform])
  func otherDistributionsHaveTargetStd(distribution: WeightDistribution) throws {
    let model = try Model(.simpleCNN(), maxBatch: 1)
    model.initialize(
      seed: 1, initializer: VarianceScaling(scale: 2, mode: .fanOut, distribution: distribution))
    let s = try #require(model.store.slice(named: "conv2.weight"))
    let values = (0..<s.count).map { Double(model.store.parameters[s.offset + $0]) }
    let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
    let target = (2 / Double(s.fanOut)).squareRoot()
    #expect(abs(std / target - 1) < 0.02)
    if distribution == .uniform {
      #expect(values.allSatisfy { abs($0) <= 3.0.squareRoot() * target * (1 + 1e-6) })
    }
  }

  @Test func sameSeedSameWeightsOtherSeedOtherWeights() throws {
    let a = try Model(.resnet8(), maxBatch: 1)
    let b = try Model(.resnet8(), maxBatch: 1)
    a.initialize(seed: 5)
    b.initialize(seed: 5)
    #expect(a.store.parameterArray() == b.store.parameterArray())
    b.initialize(seed: 6)
    #expect(a.store.parameterArray() != b.store.parameterArray())
  }
}
