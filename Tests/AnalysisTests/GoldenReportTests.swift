import Analysis
import Foundation
import Report
import Testing

/// Golden files for a small committed fixture (`Fixtures/small-study.json`, made by
/// `scripts/generate-report-fixture.py --trials 6 --batch-sizes 7 --optimizers nesterov
/// --evaluations 12 --seed 5`). `STEPWISE_UPDATE_GOLDEN=1 swift test --filter AnalysisTests`
/// rewrites them; review the diff before committing.
@Suite struct GoldenReportTests {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

  static func reportFiles() throws -> [String: String] {
    let data = try Data(
      contentsOf: directory.appendingPathComponent("Fixtures/small-study.json"))
    let archive = try ResultsArchiveJSON.decode(data)
    let options = AnalysisOptions(bootstrapResamples: 50, seed: 0)
    let analyses = Analyzer.analyze(archive, options: options)
    let files = try ReportBuilder(options: options, source: "small-study.json")
      .files(for: analyses)
    return Dictionary(files.map { ($0.name, $0.contents) }, uniquingKeysWith: { a, _ in a })
  }

  @Test(arguments: [
    "cells.csv", "trials.csv", "w1-mnist-simple-cnn-nesterov-steps.svg",
    "w1-mnist-simple-cnn-masks.svg",
  ])
  func matchesGolden(name: String) throws {
    let files = try Self.reportFiles()
    let actual = try #require(files[name], "report has no \(name)")
    let golden = Self.directory.appendingPathComponent("Snapshots/\(name)")
    if ProcessInfo.processInfo.environment["STEPWISE_UPDATE_GOLDEN"] == "1" {
      try Data(actual.utf8).write(to: golden)
      return
    }
    let expected = try String(contentsOf: golden, encoding: .utf8)
    #expect(actual == expected, "\(name) differs from Snapshots/\(name)")
  }

  @Test func fixtureHasACellWithoutAPointAndItIsNotANumber() throws {
    let files = try Self.reportFiles()
    let cells = try #require(files["cells.csv"]).split(separator: "\n")
    let header = cells[0].split(separator: ",", omittingEmptySubsequences: false)
    let column = try #require(header.firstIndex(of: "steps_to_result"))
    let empty = cells.dropFirst().filter {
      $0.split(separator: ",", omittingEmptySubsequences: false)[column].isEmpty
    }
    #expect(empty.count == 1)
    #expect(try #require(files["index.html"]).contains("no point"))
  }
}

@Suite struct ResultsArchiveReaderTests {
  @Test func fastReaderMatchesFoundationDecoder() throws {
    let data = try Data(
      contentsOf: GoldenReportTests.directory.appendingPathComponent("Fixtures/small-study.json"))
    let fast = try ResultsArchiveJSON.decode(data)
    let reference = try ResultsArchiveJSON.decodeWithFoundation(data)
    // NaN != NaN, so compare the re-encoded forms (NaN is written as "nan" by both).
    #expect(try ResultsArchiveJSON.encode(fast) == ResultsArchiveJSON.encode(reference))
    #expect(fast.studies.first?.cells.count == 14)
  }

  @Test func readerHandlesEscapesNullsAndUnknownKeys() throws {
    let json = """
      {"formatVersion":1,"extra":{"a":[1,true,null,"x"]},"studies":[{"workload":"a\\"b\\u00e9\\n",
      "dataset":"d","goal":{"metric":"validation_error","comparison":"<","threshold":0.5},
      "evaluationEverySteps":null,"cells":[{"optimizer":"sgd","optimizerName":"sgd",
      "batchSize":4,"sparsity":0.5,"trials":[{"index":3,"key":"k","state":"diverged",
      "metaparameters":{"learning_rate":1e-3},"curve":{"steps":[100],"validationError":[0.9],
      "validationLoss":["nan"]}}]}],"masks":[]}]}
      """
    let archive = try ResultsArchiveJSON.decode(Data(json.utf8))
    let study = try #require(archive.studies.first)
    #expect(study.workload == "a\"bé\n")
    #expect(study.evaluationEverySteps == nil)
    let trial = try #require(study.cells.first?.trials.first)
    #expect(trial.metaparameters["learning_rate"] == 1e-3)
    #expect(trial.curve.validationLoss.first?.isNaN == true)
    #expect(throws: (any Error).self) { try ResultsArchiveJSON.decode(Data("{\"studies\":[".utf8)) }
  }
}
