import Analysis
import Foundation
import Testing
import WorkloadModel

@testable import StepwiseCLI

/// Issue 12 through the command line: `stepwise report --goal` tests the goal on the stored
/// counts, exactly, so 120 wrong of 6,000 meets `<= 0.02` and misses `< 0.02`.
struct ReportGoalTests {
  static func stepsToResult(_ extra: [String]) throws -> String {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("stepwise-report-goal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let n = 6000
    let wrong = [900, 120, 100]
    let trial = TrialResult(
      index: 0, key: "k0", state: .reached, metaparameters: ["learning_rate": 0.1],
      curve: EvaluationCurve(
        steps: [100, 200, 300], validationError: wrong.map { 1 - Double(n - $0) / Double(n) },
        validationLoss: [0.3, 0.1, 0.09], wrong: wrong, examplesSeen: [n, n, n],
        examplesTotal: [n, n, n]))
    let archive = ResultsArchive(studies: [
      StudyResults(
        workload: "w", dataset: "mnist", goal: Goal(comparison: .atMost, threshold: 0.05),
        cells: [CellResults(optimizer: .sgd, batchSize: 16, sparsity: 0, trials: [trial])])
    ])
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let input = dir.appendingPathComponent("results.json")
    try encoder.encode(archive).write(to: input)
    let out = dir.appendingPathComponent("report")
    let command = try Stepwise.Report.parse(
      ["--from-json", input.path, "--out", out.path, "--format", "csv", "--bootstrap", "0"]
        + extra)
    try command.run()
    let cells = try String(contentsOf: out.appendingPathComponent("cells.csv"), encoding: .utf8)
    let lines = cells.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    let column = try #require(lines[0].firstIndex(of: "steps_to_result"))
    return String(lines[1][column])
  }

  @Test func oneHundredTwentyOfSixThousandMeetsAtMostButNotBelow() throws {
    #expect(try Self.stepsToResult(["--goal", "0.02"]) == "200")
    #expect(try Self.stepsToResult(["--goal", "0.02", "--goal-comparison", "<"]) == "300")
  }
}
