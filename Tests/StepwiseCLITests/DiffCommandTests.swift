import ArgumentParser
import Foundation
import Planning
import StepwiseDiagnostics
import Testing

@testable import StepwiseCLI

/// `stepwise diff` on edits of the default workload: one case per class, with its exit code.
struct DiffCommandTests {
  static let original: String = {
    let url = PlanCLIGolden.repository.appendingPathComponent("Tests/StepwiseCLITests/Fixtures/diff-base.yaml")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  }()

  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var replacements: [(String, String)]
    var exitCode: Int32
    var summary: String
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "same", replacements: [], exitCode: 0,
      summary: "0 to add, 0 to change, 0 to drop, 32 unchanged."),
    Case(
      name: "reformatted",
      replacements: [
        ("name: default-fashion-mnist", "name: other"),
        ("# yaml-language-server", "# a comment\n# yaml-language-server"),
      ], exitCode: 0,
      summary: "0 to add, 0 to change, 0 to drop, 32 unchanged."),
    Case(
      name: "more-trials", replacements: [("trials: 4", "trials: 6")], exitCode: 2,
      summary: "16 to add, 0 to change, 0 to drop, 32 unchanged."),
    Case(
      name: "dropped-batch-size", replacements: [("[16, 64, 256, 1024]", "[16, 64, 256]")],
      exitCode: 2, summary: "0 to add, 0 to change, 8 to drop, 24 unchanged."),
    Case(
      name: "edited-batch-size", replacements: [("[16, 64, 256, 1024]", "[16, 64, 512, 1024]")],
      exitCode: 2, summary: "0 to add, 8 to change, 0 to drop, 24 unchanged."),
    Case(
      name: "edited-sparsity", replacements: [("sparsities: [0, 0.9]", "sparsities: [0, 0.8]")],
      exitCode: 2, summary: "0 to add, 16 to change, 0 to drop, 16 unchanged."),
    Case(
      name: "changed-bound", replacements: [("max: 0.3", "max: 0.6")], exitCode: 2,
      summary: "0 to add, 32 to change, 0 to drop, 0 unchanged."),
    Case(
      name: "goal-loosened", replacements: [("at_most: 0.2", "at_most: 0.3")], exitCode: 2,
      summary: "0 to add, 0 to change, 0 to drop, 32 unchanged (32 analysis-only)."),
    Case(
      name: "goal-tightened", replacements: [("at_most: 0.2", "at_most: 0.15")], exitCode: 2,
      summary: "0 to add, 0 to change, 0 to drop, 32 unchanged (32 to extend)."),
    Case(
      name: "budget-raised", replacements: [("max_steps: 2000", "max_steps: 3000")], exitCode: 2,
      summary: "0 to add, 0 to change, 0 to drop, 32 unchanged (32 to extend)."),
  ]

  static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  static func diff(_ a: String, _ b: String, json: Bool = false) throws -> CommandOutcome {
    var args = [a, b, "--dataset-digest", "sha256:golden-dataset-digest"]
    if json { args.append("--json") }
    return try Stepwise.Diff.parse(args).execute(decorator: PlainDecorator())
  }

  static func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("stepwise-diff-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test(arguments: cases)
  func diffClass(_ c: Case) throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var edited = Self.original
    for (from, to) in c.replacements {
      #expect(edited.contains(from), "\(from)")
      edited = edited.replacingOccurrences(of: from, with: to)
    }
    let old = try Self.write(Self.original, "old.yaml", in: dir)
    let new = try Self.write(edited, "new.yaml", in: dir)
    let outcome = try Self.diff(old, new)
    #expect(outcome.exitCode == c.exitCode)
    #expect(outcome.standardError == "")
    #expect(outcome.standardOutput.hasSuffix(c.summary + "\n"))
    PlanCLIGolden.check(outcome.standardOutput, name: "diff-\(c.name).txt")
  }

  /// `--json` is written member by member; it is the canonical JSON of the same document.
  @Test(arguments: cases)
  func jsonEqualsCanonicalTree(_ c: Case) throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var edited = Self.original
    for (from, to) in c.replacements { edited = edited.replacingOccurrences(of: from, with: to) }
    let old = try Self.write(Self.original, "old.yaml", in: dir)
    let new = try Self.write(edited, "new.yaml", in: dir)
    let outcome = try Self.diff(old, new, json: true)
    #expect(outcome.exitCode == c.exitCode)
    let frontend = PlanFrontend(datasetDigest: "sha256:golden-dataset-digest")
    let a = try #require(frontend.load(path: old, form: .table).table)
    let b = try #require(frontend.load(path: new, form: .table).table)
    let diff = PlanDiff(old: a, new: b)
    #expect(DiffJSONView().render(diff) == DiffJSONView().tree(diff))
    #expect(outcome.standardOutput == DiffJSONView().tree(diff))
  }

  @Test func savedPlansAndWorkloadsMix() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let workload = try Self.write(Self.original, "w.yaml", in: dir)
    let saved = dir.appendingPathComponent("plan.json").path
    let planned = try Stepwise.Plan.parse(
      [workload, "--out", saved, "--dataset-digest", "sha256:golden-dataset-digest"]
    ).execute(decorator: PlainDecorator())
    #expect(planned.exitCode == 0)
    let same = try Self.diff(saved, workload)
    #expect(same.exitCode == 0)
    let more = try Self.write(
      Self.original.replacingOccurrences(of: "trials: 4", with: "trials: 5"), "more.yaml", in: dir)
    let json = try Self.diff(saved, more, json: true)
    #expect(json.exitCode == 2)
    PlanCLIGolden.check(json.standardOutput, name: "diff-more-trials.json")
    #expect(json.standardOutput.contains(#""add":8,"analysisOnly":0,"change":0,"drop":0"#))
  }

  /// A damaged saved plan is an error (exit 1) that says what is wrong and where.
  @Test func truncatedSavedPlanExits1() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let workload = try Self.write(Self.original, "w.yaml", in: dir)
    let saved = dir.appendingPathComponent("plan.json")
    _ = try Stepwise.Plan.parse(
      [workload, "--out", saved.path, "--dataset-digest", "sha256:golden-dataset-digest"]
    ).execute(decorator: PlainDecorator())
    let bytes = try Data(contentsOf: saved)
    // Keep the end (where "formatVersion" lies) so the file still looks like a plan.
    let cut = bytes.prefix(1000) + bytes.suffix(2000)
    let damaged = try Self.write(String(decoding: cut, as: UTF8.self), "cut.json", in: dir)
    let outcome = try Self.diff(damaged, workload)
    #expect(outcome.exitCode == 1)
    #expect(outcome.standardError.contains("cut.json:1:1: error: cannot read the saved plan"))
    #expect(outcome.standardError.contains("not a valid plan file"))
    #expect(outcome.standardError.contains("at byte"))
  }

  @Test func errorsExit1() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let good = try Self.write(Self.original, "good.yaml", in: dir)
    let outcome = try Self.diff(good, dir.appendingPathComponent("missing.yaml").path)
    #expect(outcome.exitCode == 1)
    #expect(outcome.standardError.contains("missing.yaml:1:1: error: no such file"))
  }
}
