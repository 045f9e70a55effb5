import Crypto
import Foundation
import Primitives
import StepwiseDiagnostics
import Testing
import WorkloadLoading
import WorkloadModel

@testable import Planning

/// Golden plans for every file in `workloads/`.
///
/// Each workload has `Snapshots/<name>.plan.txt`: the counts, the size and SHA-256 of the full
/// canonical plan JSON, and the first and last trial of each cell. The full JSON of the big
/// workloads (5,600 trials, about 1.5 MB each) is not committed: its hash pins every byte of it.
/// The small default workload's full plan JSON is committed as `default.plan.json`.
struct WorkloadPlanGoldenTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let digest = "sha256:golden-dataset-digest"
  static let environment = ["STEPWISE_DATA": "/data"]

  static var workloads: [String] {
    let dir = root.appendingPathComponent("workloads")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted()
  }

  static func load(text: String, path: String = "w.yaml") -> (Workload?, [Diagnostic]) {
    WorkloadLoader(environment: environment).load(SourceFile(path: path, text: text))
  }

  static func plan(_ workload: Workload) -> ExecutionPlan? {
    PlanCompiler(datasetDigest: digest).compile(workload).0
  }

  static func text(of name: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent("workloads/\(name)"), encoding: .utf8)
  }

  @Test func everyWorkloadIsCovered() {
    #expect(Self.workloads.count >= 7)
  }

  @Test(arguments: workloads)
  func goldenPlan(name: String) throws {
    let (workload, diagnostics) = Self.load(text: try Self.text(of: name), path: name)
    #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
    let compiled = PlanCompiler(datasetDigest: Self.digest, sourcePath: name)
      .compile(try #require(workload))
    #expect(compiled.1.isEmpty)
    let plan = try #require(compiled.0)
    let bytes = try PlanDocument.encode(plan)
    let stem = String(name.dropLast(".yaml".count))
    var out = """
      workload: \(plan.workload.name)
      cells: \(Set(plan.trials.map(\.cell)).count)
      trials: \(plan.trials.count)
      pruning nodes: \(plan.pruningNodes.count)
      plan json bytes: \(bytes.count)
      plan json sha256: \(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())

      """
    var previous: CellID?
    for (i, t) in plan.trials.enumerated() {
      let last = i + 1 == plan.trials.count || plan.trials[i + 1].cell != t.cell
      if t.cell != previous || last {
        let values = t.metaparameters.keys.sorted().map {
          "\($0.rawValue)=\(CanonicalJSON.format(t.metaparameters[$0] ?? .nan))"
        }.joined(separator: " ")
        out +=
          "opt \(t.cell.optimizer) sparsity \(CanonicalJSON.format(t.sparsity)) "
          + "batch \(t.batchSize) #\(t.index) \(t.key.short) steps \(t.maxSteps) \(values)\n"
      }
      previous = t.cell
    }
    GoldenFile.check(out, name: "\(stem).plan.txt")
    if stem == "default" {
      GoldenFile.check(String(decoding: bytes, as: UTF8.self), name: "default.plan.json")
    }
    // A saved plan reads back to the same trials.
    #expect(try PlanDocument.decode(bytes).trials.map(\.key) == plan.trials.map(\.key))
  }

  // MARK: Properties on YAML text

  /// default.yaml rewritten: keys permuted at every level, flow and block styles swapped,
  /// comments dropped, numbers respelled, quotes added. The study is the same.
  static let defaultRewritten = """
    execution:
      checkpoint_every_steps: 250
      jobs: 2
    evaluation:
      growth: 1.10
      every_steps: 20
    budget:
      give_up: [{above: 0.6, step: 200}]
      overrides: {1024: 1000, 512: 1000}
      max_steps: 5000
    goal: {at_most: 0.16, metric: "validation_error"}
    study:
      trials: 8
      pruning:
        examples: {count: 1000}
        method: snip
      sparsities: [0, 0.90]
      batch_sizes:
        - 8
        - 32
        - 128
        - 512
        - 1024
    optimizer:
      search:
        learning_rate: {scale: log, max: 1.0, min: 1e-2}
      kind: 'sgd'
    model: {architecture: fc-256-256}
    dataset:
      validation: {seed: 0, holdout: 6000}
      directory: /somewhere/else/fashion-mnist
      name: fashion-mnist
    description: Another description entirely.
    name: renamed-study
    stepwise: 1

    """

  /// The plans of `workloads/default.yaml` before and after replacing `old` (which it must
  /// contain) with `new`.
  static func defaultPlans(
    editing old: String, to new: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (ExecutionPlan, ExecutionPlan) {
    let original = try text(of: "default.yaml")
    #expect(original.contains(old), sourceLocation: sourceLocation)
    let edited = original.replacingOccurrences(of: old, with: new)
    let a = try #require(load(text: original).0.flatMap(plan), sourceLocation: sourceLocation)
    let b = try #require(load(text: edited).0.flatMap(plan), sourceLocation: sourceLocation)
    return (a, b)
  }

  @Test func permutingAndReformattingChangesNoKey() throws {
    let original = Self.load(text: try Self.text(of: "default.yaml")).0
    let (rewritten, diagnostics) = Self.load(text: Self.defaultRewritten)
    #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
    let a = try #require(original.flatMap(Self.plan))
    let b = try #require(rewritten.flatMap(Self.plan))
    #expect(a.trials.count == 80)
    #expect(a.trials.map(\.key) == b.trials.map(\.key))
    #expect(a.pruningNodes.map(\.key) == b.pruningNodes.map(\.key))
  }

  @Test func raisingTrialsInTheFileOnlyAddsKeys() throws {
    let (a, b) = try Self.defaultPlans(editing: "trials: 8", to: "trials: 11")
    let diff = PlanDiff(old: a, new: b)
    #expect(diff.summaryLine == "30 to add, 0 to change, 0 to drop, 80 unchanged")
    #expect(Set(a.trials.map(\.key)).isSubset(of: Set(b.trials.map(\.key))))
  }

  @Test func changingTheGoalInTheFileChangesNoKey() throws {
    let (a, b) = try Self.defaultPlans(editing: "at_most: 0.16", to: "at_most: 0.2")
    #expect(a.trials.map(\.key) == b.trials.map(\.key))
    #expect(PlanDiff(old: a, new: b).analysisOnly == 80)
  }

  @Test func changingASearchBoundInTheFileChangesOnlyMovedTrials() throws {
    let (a, b) = try Self.defaultPlans(editing: "max: 1,", to: "max: 2,")
    for (x, y) in zip(a.trials, b.trials) {
      #expect((x.key == y.key) == (x.metaparameters == y.metaparameters))
    }
    #expect(PlanDiff(old: a, new: b).changed == 80)
  }
}
