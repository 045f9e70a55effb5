import Foundation
import Planning
import ResultsStore
import Testing

@testable import StepwiseCLI

/// `stepwise run` on a workload with probes: the selected trials store their measurements, the
/// others none, and the study's results are those of the same study without probes.
@Suite(.serialized) struct ProbeRunTests {
  static let tinyProbes = RunCommandTests.repository
    .appendingPathComponent("Tests/StepwiseCLITests/Fixtures/tiny-probes.yaml").path

  @Test(.enabled(if: RunCommandTests.hasData))
  func probesAreStoredForTheSelectedTrialsAndChangeNoResult() throws {
    let store = RunCommandTests.temporaryStore()
    let (code, output) = try RunCommandTests.run([Self.tinyProbes, "--store", store, "--jobs", "1"])
    #expect(code == 0, "\(output)")
    let plainStore = RunCommandTests.temporaryStore()
    let (plainCode, plainOutput) = try RunCommandTests.run(
      [RunCommandTests.tiny, "--store", plainStore, "--jobs", "1"])
    #expect(plainCode == 0)
    // The same steps table (the studies differ only in name and probes).
    let table = { (text: String) in text.components(separatedBy: "\n\n").last ?? "" }
    #expect(table(output) == table(plainOutput))

    let opened = try ResultsStore(path: store, options: StoreOptions(readOnly: true))
    let probes = try opened.probeRecords()
    let plan = try #require(PlanFrontend().load(path: Self.tinyProbes).plan)
    let first = Set(plan.trials.filter { $0.index == 0 }.map(\.key))
    #expect(Set(probes.keys) == first, "only the first trial of each cell probes")
    for (key, records) in probes {
      let noise = records.filter { $0.kind == .noiseScale }
      #expect(noise.first?.step == 0, "\(key.short): a noise scale at initialisation")
      #expect(noise.map(\.step) == noise.indices.map { 50 * $0 })
      for r in records where r.kind == .lipschitz {
        #expect(r.step % 100 == 0 && (r.value ?? 0) > 0, "\(key.short) step \(r.step)")
        let detail = try #require(
          try JSONSerialization.jsonObject(with: Data(r.detailJSON.utf8)) as? [String: Any])
        #expect((detail["perGamma"] as? [Any])?.count == 9 && detail["examples"] as? Int == 2000)
      }
    }
  }
}
