import Testing
import WorkloadModel

@testable import Planning

/// The cost figures `stepwise plan` prints, against hand-computed values.
struct PlanSummaryTests {
  /// Lee et al.'s Simple-CNN on 28x28 inputs: 24*24*32*25 + 8*8*64*800 + 1024*10 multiply-adds.
  static let simpleCNNMACs = 24 * 24 * 32 * 25 + 8 * 8 * 64 * 800 + 1024 * 10

  func summary(_ pruning: PruningSpec, sparsities: [Double] = [0, 0.5, 0.9]) throws -> PlanSummary {
    var workload = SampleWorkloads.mnistNesterov(sparsities: sparsities, trials: 8)
    workload.study.pruning = pruning
    let plan = try #require(SampleWorkloads.compile(workload))
    return PlanSummary(plan, throughput: 1e9)
  }

  @Test func simpleCNNCostsTheDocumentedMultiplyAdds() throws {
    let s = try summary(PruningSpec(method: .snip))
    #expect(s.forwardMultiplyAdds == Self.simpleCNNMACs)
    #expect(abs(6 * Double(s.forwardMultiplyAdds) / 1e6 - 22.5) < 0.1)
  }

  @Test func snipOnTheWholeSplitScoresEveryTrainingExampleOncePerMask() throws {
    let s = try summary(PruningSpec(method: .snip, examples: .all(batchSize: 100)))
    // 8 init seeds x 2 non-zero sparsities; sparsity 0 needs no mask.
    #expect(s.pruningNodes == 16)
    #expect(s.pruningExamplesPerMask == 54_000)
    // One scoring pass per init seed serves both of its sparsities.
    #expect(s.pruningScoringPasses == 8)
    #expect(s.pruningFLOP == 6 * Double(Self.simpleCNNMACs) * 54_000 * 8)
    let training = 6 * Double(Self.simpleCNNMACs) * Double(s.trainingExamples)
    let evaluation = 2 * Double(Self.simpleCNNMACs) * Double(s.evaluationExamples)
    #expect(abs(s.totalFLOP - (training + evaluation + s.pruningFLOP)) <= 1e-9 * s.totalFLOP)
  }

  @Test func graspCountsThreePassesPerExampleOfItsPerClassSample() throws {
    let s = try summary(PruningSpec(method: .grasp, examples: .perClass(10), temperature: 200))
    #expect(s.pruningExamplesPerMask == 100)
    #expect(s.pruningFLOP == 3 * 6 * Double(Self.simpleCNNMACs) * 100 * 8)
  }

  @Test func masksThatReadNoDataCostNothing() throws {
    for method in [PruningMethod.random, .magnitude] {
      let s = try summary(PruningSpec(method: method))
      #expect(s.pruningNodes == 16)
      #expect(s.pruningExamplesPerMask == 0)
      #expect(s.pruningFLOP == 0)
    }
  }

  @Test func aDenseStudyHasNoMasksAndNoPruningCost() throws {
    let s = try summary(PruningSpec(method: .none), sparsities: [0])
    #expect(s.pruningNodes == 0)
    #expect(s.pruningFLOP == 0)
  }

  @Test func aCountLargerThanTheSplitIsCappedAtTheSplit() throws {
    let s = try summary(PruningSpec(method: .snip, examples: .count(1_000_000)))
    #expect(s.pruningExamplesPerMask == 54_000)
  }
}
