import ArgumentParser
import Foundation
import StepwiseDiagnostics
import StepwiseTestSupport
import Testing

@testable import Planning
@testable import StepwiseCLI

struct PlanCommandTests {
  static let digest = ["--dataset-digest", "sha256:golden-dataset-digest"]

  static var workloads: [String] {
    let dir = PlanCLIGolden.repository.appendingPathComponent("workloads")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted()
  }

  static func plan(_ arguments: [String]) throws -> CommandOutcome {
    try Stepwise.Plan.parse(arguments + digest).execute(decorator: PlainDecorator())
  }

  static func path(_ name: String) -> String {
    PlanCLIGolden.repository.appendingPathComponent("workloads/\(name)").path
  }

  @Test(arguments: workloads)
  func humanOutputIsGolden(name: String) throws {
    let outcome = try Self.plan([Self.path(name), "--detailed-exitcode"])
    #expect(outcome.standardError == "")
    #expect(outcome.exitCode == 2)
    PlanCLIGolden.check(outcome.standardOutput, name: "plan-\(name.dropLast(5)).txt")
  }

  @Test func jsonOutputIsGolden() throws {
    let outcome = try Self.plan([Self.path("default.yaml"), "--json", "--throughput", "50"])
    #expect(outcome.exitCode == 0)
    PlanCLIGolden.check(outcome.standardOutput, name: "plan-default.json")
    #expect(outcome.standardOutput.contains("\"assumedFLOPPerSecond\":50000000000.0"))
  }

  /// `stepwise plan` on `text` saved as `name` in a scratch directory; the outcome and the path.
  static func plan(text: String, savedAs name: String, _ extra: [String] = []) throws
    -> (CommandOutcome, String)
  {
    let scratch = try TemporaryDirectory(prefix: "stepwise-plan")
    defer { scratch.cleanUp() }
    let file = scratch.file(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    return (try plan([file] + extra), file)
  }

  @Test func outWritesTheCanonicalPlanThatReadsBack() throws {
    let scratch = try TemporaryDirectory(prefix: "stepwise-plan")
    defer { scratch.cleanUp() }
    let dir = scratch.url
    let first = dir.appendingPathComponent("a.json").path
    let second = dir.appendingPathComponent("b.json").path
    #expect(try Self.plan([Self.path("default.yaml"), "--out", first]).exitCode == 0)
    #expect(try Self.plan([Self.path("default.yaml"), "--out", second]).exitCode == 0)
    let a = try Data(contentsOf: URL(fileURLWithPath: first))
    #expect(a == (try Data(contentsOf: URL(fileURLWithPath: second))))
    // The saved plan is an input too, and gives the same summary.
    let fromPlan = try Self.plan([first])
    let fromWorkload = try Self.plan([Self.path("default.yaml")])
    #expect(fromPlan == fromWorkload)
    // Byte-identical to the golden plan JSON that PlanningTests pins.
    let golden = PlanCLIGolden.repository.appendingPathComponent(
      "Tests/PlanningTests/Snapshots/default.plan.json")
    #expect(a == (try Data(contentsOf: golden)))
  }

  @Test func workloadWithErrorsPrintsValidateDiagnosticsAndExits1() throws {
    let text = try String(contentsOfFile: Self.path("default.yaml"), encoding: .utf8)
      .replacingOccurrences(of: "kind: sgd", with: "kind: nesterv")
    let (outcome, file) = try Self.plan(text: text, savedAs: "bad.yaml", ["--detailed-exitcode"])
    #expect(outcome.exitCode == 1)
    #expect(outcome.standardOutput == "")
    #expect(outcome.standardError.hasPrefix("\(file):"))
    #expect(outcome.standardError.contains("error:"))
    #expect(outcome.standardError.contains("nesterv"))
  }

  @Test func planTimeErrorsPointAtTheBatchSize() throws {
    let base = PlanCLIGolden.repository
      .appendingPathComponent("Tests/StepwiseCLITests/Fixtures/diff-base.yaml")
    let text = try String(contentsOf: base, encoding: .utf8)
      .replacingOccurrences(of: "execution: {jobs: 2,", with: "execution: {jobs: 2, workers: 3,")
    let (outcome, _) = try Self.plan(text: text, savedAs: "w.yaml")
    #expect(outcome.exitCode == 1)
    #expect(outcome.standardError.contains("error: batch size 16 is not divisible by 3 workers"))
    #expect(outcome.standardError.contains("batch_sizes: [16, 64, 256, 1024]"))
    #expect(outcome.standardError.contains("^~"))
  }

  @Test func unknownPlanVersionIsAClearError() throws {
    let (outcome, _) = try Self.plan(
      text: #"{"cells":[],"formatVersion":7,"keyEncodingVersion":1}"#, savedAs: "future.json")
    #expect(outcome.exitCode == 1)
    #expect(
      outcome.standardError.contains(
        "error: cannot read the saved plan\n"))
    #expect(outcome.standardError.contains("plan format version 7 is not supported"))
  }

  @Test func helpIsGolden() {
    PlanCLIGolden.check(
      Stepwise.helpMessage(for: Stepwise.Plan.self, columns: 100) + "\n", name: "plan-help.txt")
    PlanCLIGolden.check(
      Stepwise.helpMessage(for: Stepwise.Diff.self, columns: 100) + "\n", name: "diff-help.txt")
  }

  @Test func badFlagIsAUsageError() {
    #expect(throws: (any Error).self) { try Stepwise.Plan.parse(["x.yaml", "--bogus"]) }
    do {
      _ = try Stepwise.Plan.parse(["x.yaml", "--throughput", "0"])
      Issue.record("negative throughput was accepted")
    } catch {
      #expect(Stepwise.exitCode(for: error).rawValue == 64)
      #expect(Stepwise.message(for: error).contains("--throughput must be a positive number"))
    }
    do {
      _ = try Stepwise.Diff.parse(["only-one.yaml"])
      Issue.record("a single file was accepted")
    } catch {
      #expect(Stepwise.exitCode(for: error).rawValue == 64)
    }
  }
}
