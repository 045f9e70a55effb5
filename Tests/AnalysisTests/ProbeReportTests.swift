import Analysis
import Foundation
import Report
import Testing

/// Probe values through the analysis and into the report: medians per step, the predicted
/// critical batch size beside the fitted one, and the raw values in probes.csv and report.json.
@Suite struct ProbeReportTests {
  static func study() throws -> (StudyAnalysis, AnalysisOptions) {
    let data = try Data(
      contentsOf: GoldenReportTests.directory.appendingPathComponent("Fixtures/small-study.json"))
    let options = AnalysisOptions(bootstrapResamples: 50, seed: 0)
    return (
      try #require(Analyzer.analyze(try ResultsArchiveJSON.decode(data), options: options).first),
      options
    )
  }

  /// Three trials of the first curve probe: Lipschitz 10, 20, 30 (+ step) and noise scales whose
  /// last values are 100, 300 and 200.
  static func values(_ study: StudyAnalysis) throws -> [ProbeValue] {
    let curve = try #require(study.curves.first)
    let keys = Array(curve.cells.flatMap { $0.results.trials.map(\.key) }.prefix(3))
    try #require(keys.count == 3)
    var values: [ProbeValue] = []
    for (i, key) in keys.enumerated() {
      for step in [100, 200] {
        values.append(
          ProbeValue(
            trialKey: key, kind: .lipschitz, step: step, value: Double(10 * (i + 1) + step)))
      }
      values.append(ProbeValue(trialKey: key, kind: .noiseScale, step: 0, value: 5))
      values.append(
        ProbeValue(trialKey: key, kind: .noiseScale, step: 100, value: [100.0, 300, 200][i]))
    }
    values.append(ProbeValue(trialKey: keys[0], kind: .noiseScale, step: 200, value: nil))
    values.append(ProbeValue(trialKey: "not-in-the-study", kind: .lipschitz, step: 1, value: 1))
    return values
  }

  @Test func curvesSummariseTheProbingTrials() throws {
    let (study, _) = try Self.study()
    let curves = ProbeAnalysis.curves(study, values: try Self.values(study))
    #expect(curves.count == 1)
    let c = try #require(curves.first)
    #expect(c.sparsity == study.curves[0].sparsity)
    #expect(c.lipschitz.map(\.step) == [100, 200])
    #expect(c.lipschitz[0].median == 120 && c.lipschitz[0].low == 110 && c.lipschitz[0].high == 130)
    #expect(c.noiseScale.map(\.step) == [0, 100])  // step 200 has no finite value
    #expect(c.noiseScale[1].trials == 3)
    #expect(c.predictedCriticalBatchSize == 200)
    #expect(c.fittedCriticalBatchSize == study.curves[0].fit?.criticalBatchSize)
    #expect(c.values.count == 13)
  }

  @Test func theReportCarriesThem() throws {
    var (study, options) = try Self.study()
    study.probes = ProbeAnalysis.curves(study, values: try Self.values(study))
    let files = Dictionary(
      try ReportBuilder(options: options, source: "x").files(for: [study]).map {
        ($0.name, $0.contents)
      },
      uniquingKeysWith: { a, _ in a })
    let csv = try #require(files["probes.csv"]).split(separator: "\n")
    #expect(csv.count == 14 && csv[0] == "workload,optimizer,sparsity,trial_key,kind,step,value")
    #expect(files.keys.contains { $0.hasSuffix("-lipschitz.svg") })
    #expect(files.keys.contains { $0.hasSuffix("-noise-scale.svg") })
    #expect(files.keys.contains { $0.hasSuffix("-critical-batch.svg") })
    #expect(try #require(files["summary.md"]).contains("predicted B_noise"))
    let document = try #require(files["report.json"])
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
    let studies = try #require(json["studies"] as? [[String: Any]])
    let probes = try #require(studies[0]["probes"] as? [[String: Any]])
    #expect((probes[0]["values"] as? [Any])?.count == 13)
    #expect(probes[0]["predictedCriticalBatchSize"] as? Double == 200)
  }

  @Test func withoutProbesNothingChanges() throws {
    let (study, options) = try Self.study()
    let files = try ReportBuilder(options: options, source: "x").files(for: [study])
    #expect(!files.contains { $0.name == "probes.csv" || $0.name.hasSuffix("-lipschitz.svg") })
    #expect(!(files.first { $0.name == "report.json" }?.contents.contains("\"probes\"") ?? true))
  }
}
