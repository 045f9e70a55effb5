import Planning
import Testing
import WorkloadModel

/// A workload's `probes` section: it changes no trial and no key, travels in the plan document,
/// and its cost shows in the summary.
@Suite struct ProbePlanTests {
  static let probes = ProbesSpec(
    on: .firstPerCell(3),
    lipschitz: .init(everySteps: 1000, gammas: [0.25, 0.5, 0.75], examples: 2000),
    noiseScale: .init(everySteps: 500, smallBatch: 32, bigBatch: 512, draws: 10))

  static func plans() throws -> (plain: ExecutionPlan, probed: ExecutionPlan) {
    var workload = SampleWorkloads.mnistNesterov()
    let plain = try #require(SampleWorkloads.compile(workload))
    workload.probes = Self.probes
    let probed = try #require(SampleWorkloads.compile(workload))
    return (plain, probed)
  }

  @Test func probesChangeNoTrial() throws {
    let (plain, probed) = try Self.plans()
    #expect(plain.trials == probed.trials)
    #expect(plain.pruningNodes == probed.pruningNodes)
    #expect(probed.workload.probes == Self.probes)
  }

  @Test func thePlanDocumentCarriesThemAndOnlyThem() throws {
    let (plain, probed) = try Self.plans()
    let bytes = try PlanDocument.encode(probed)
    #expect(try PlanDocument.decode(bytes).workload.probes == Self.probes)
    let plainBytes = try PlanDocument.encode(plain)
    #expect(try PlanDocument.decode(plainBytes).workload.probes == nil)
    #expect(!String(decoding: plainBytes, as: UTF8.self).contains("probes"))
  }

  /// The first 3 trials of every cell probe; each at most its whole budget of 4,000 steps:
  /// Lipschitz 4 probes x 4 gradients x 2,000 examples, noise scale 9 probes x 10 x 512.
  @Test func summaryCountsTheirCost() throws {
    let (plain, probed) = try Self.plans()
    let before = PlanSummary(plain, throughput: 1e9)
    let after = PlanSummary(probed, throughput: 1e9)
    #expect(before.probeFLOP == 0)
    let cells = Set(probed.trials.map(\.cell)).count
    let perTrial = Double(4 * 4 * 2000 + 9 * 10 * 512)
    let macs = Double(after.forwardMultiplyAdds)
    #expect(after.probeFLOP == 6 * macs * perTrial * Double(3 * cells))
    #expect(after.totalFLOP == before.totalFLOP + after.probeFLOP)
    #expect(after.estimatedHours > before.estimatedHours)
  }
}
