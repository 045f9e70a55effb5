import ArgumentParser
import Foundation
import StepwiseDiagnostics
import StepwiseTestSupport
import Testing
import WorkloadLoading

@testable import StepwiseCLI

struct ValidateCommandTests {
  static let here = Golden.directory(of: #filePath)
  static let snapshots = here + "/Snapshots"
  static let repository = here + "/../.."

  /// Paths as a user in the repository root would type them, so goldens hold no machine paths.
  func check(_ files: [String], format: DiagnosticOutputOptions.Format) -> Stepwise.Validate.Outcome
  {
    let previous = FileManager.default.currentDirectoryPath
    FileManager.default.changeCurrentDirectoryPath(Self.repository)
    defer { FileManager.default.changeCurrentDirectoryPath(previous) }
    return Stepwise.Validate.check(
      files, format: format, decorator: PlainDecorator(), loader: WorkloadLoader(environment: [:]))
  }

  @Test func helpIsGolden() {
    let help = Stepwise.helpMessage(for: Stepwise.Validate.self, columns: 100)
    let failure = Golden.compare(help + "\n", toFileAt: Self.snapshots + "/validate-help.txt")
    #expect(failure == nil, "\(failure ?? "")")
  }

  @Test func jsonOutputIsGolden() {
    let outcome = check(
      ["Tests/StepwiseCLITests/Fixtures/diff-base.yaml", "Tests/StepwiseCLITests/Snapshots/two-errors.yaml"], format: .json)
    #expect(outcome.hasErrors)
    #expect(outcome.standardError.isEmpty)
    let failure = Golden.compare(
      outcome.standardOutput, toFileAt: Self.snapshots + "/validate-json.json")
    #expect(failure == nil, "\(failure ?? "")")
  }

  @Test func textOutputIsGolden() {
    let outcome = check(
      ["Tests/StepwiseCLITests/Fixtures/diff-base.yaml", "Tests/StepwiseCLITests/Snapshots/two-errors.yaml"], format: .text)
    let failure = Golden.compare(
      "--- stdout\n" + outcome.standardOutput + "--- stderr\n" + outcome.standardError,
      toFileAt: Self.snapshots + "/validate-text.txt")
    #expect(failure == nil, "\(failure ?? "")")
  }

  @Test func cleanFilesHaveNoErrors() {
    let outcome = check(["workloads/default.yaml"], format: .text)
    #expect(!outcome.hasErrors)
    #expect(outcome.standardError.isEmpty)
    #expect(outcome.standardOutput.contains("269,322 parameters"))
  }

  @Test func missingFileIsAnError() {
    let outcome = check(["no/such/file.yaml"], format: .text)
    #expect(outcome.hasErrors)
    #expect(outcome.standardError.hasPrefix("no/such/file.yaml:1:1: error: no such file"))
  }

  @Test func badUsageExitsWith64() {
    for arguments in [
      ["validate"], ["validate", "--format", "xml", "w.yaml"], ["validate", "--bogus"],
    ] {
      do {
        _ = try Stepwise.parseAsRoot(arguments)
        Issue.record("\(arguments) parsed")
      } catch {
        #expect(Stepwise.exitCode(for: error) == ExitCode(64), "\(arguments)")
      }
    }
  }

  @Test func schemaCommandPrintsTheCommittedSchema() throws {
    let committed = try String(
      contentsOfFile: Self.repository + "/grammar/workload.schema.json", encoding: .utf8)
    #expect(
      EmbeddedSchema.text + "\n" == committed || EmbeddedSchema.text == committed,
      "run scripts/embed-resources.sh")
    let starter = try String(
      contentsOfFile: Self.repository + "/grammar/starter.yaml", encoding: .utf8)
    #expect(
      EmbeddedStarter.text + "\n" == starter || EmbeddedStarter.text == starter,
      "run scripts/embed-resources.sh")
  }
}
