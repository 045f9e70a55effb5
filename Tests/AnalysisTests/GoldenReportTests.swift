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
