import Testing
import WorkloadModel

@testable import Planning

struct PlanCompilerTests {
  @Test func cellsTrialsAndPruningNodes() throws {
    let plan = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov()))
    #expect(plan.trials.count == 3 * 2 * 8)
    #expect(Set(plan.trials.map(\.cell)).count == 6)
    // One mask per (trial, sparsity > 0); none for the dense cells.
    #expect(plan.pruningNodes.count == 8)
    #expect(plan.trials.filter { $0.sparsity == 0 }.allSatisfy { $0.pruning == nil })
    #expect(Set(plan.trials.map(\.key)).count == plan.trials.count)
    #expect(plan.trials.allSatisfy { $0.maxSteps == 4000 && $0.datasetDigest.hasPrefix("sha256:") })
  }

  /// Trial i has the same init seed, mask and metaparameters in every cell; data seed is shared.
  @Test func pairedDesign() throws {
    let plan = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov()))
    let byIndex = Dictionary(grouping: plan.trials, by: \.index)
    for (_, trials) in byIndex {
      #expect(Set(trials.map(\.initSeed)).count == 1)
      #expect(Set(trials.map(\.metaparameters)).count == 1)
      #expect(Set(trials.filter { $0.sparsity == 0.9 }.map { $0.pruning?.key }).count == 1)
    }
    #expect(Set(plan.trials.map(\.initSeed)).count == 8)
    #expect(Set(plan.trials.map(\.dataSeed)).count == 1)
    let first = try #require(plan.trials.first { $0.index == 0 })
    #expect(first.metaparameters[.learningRate] == 0.01)
  }

  @Test func raisingTrialsOnlyAppends() throws {
    let small = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov(trials: 8)))
    let large = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov(trials: 20)))
    let smallKeys = Set(small.trials.map(\.key))
    let largeKeys = Set(large.trials.map(\.key))
    #expect(smallKeys.isSubset(of: largeKeys))
    #expect(largeKeys.count - smallKeys.count == 3 * 2 * 12)
    let added = large.trials.filter { !smallKeys.contains($0.key) }
    #expect(added.allSatisfy { $0.index >= 8 })
  }

  @Test func stoppingRuleIsNotIdentity() throws {
    var workload = SampleWorkloads.mnistNesterov()
    let before = try #require(SampleWorkloads.compile(workload))
    workload.goal = Goal(comparison: .below, threshold: 0.01)
    workload.budget = StepBudget(maxSteps: 9000, giveUp: [GiveUpRule(step: 1000, above: 0.5)])
    workload.name = "renamed"
    workload.description = "another description"
    workload.execution = ExecutionDefaults(jobs: 2, workers: 2, checkpointEverySteps: 10)
    workload.dataset.directory = Located("/elsewhere/mnist")
    workload.evaluation.batchSize = 500
    let after = try #require(SampleWorkloads.compile(workload))
    #expect(before.trials.map(\.key) == after.trials.map(\.key))
    #expect(after.trials.allSatisfy { $0.maxSteps == 9000 })
  }

  @Test func identityFieldsChangeKeys() throws {
    let base = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov()))
    let baseKeys = Set(base.trials.map(\.key))
    var edits: [(String, (inout Workload) -> Void)] = []
    edits.append(("evaluation", { $0.evaluation.everySteps = 50 }))
    edits.append(("holdout", { $0.dataset.validation.holdout = 5000 }))
    edits.append(("split seed", { $0.dataset.validation.seed = 1 }))
    edits.append(("normalization", { $0.dataset.normalization = .none }))
    edits.append(("model", { $0.model.architecture = .resnet8 }))
    edits.append(("optimizer", { $0.optimizers[0].kind = .momentum }))
    edits.append(("study seed", { $0.study.seed = 1 }))
    for (name, edit) in edits {
      var workload = SampleWorkloads.mnistNesterov()
      edit(&workload)
      let plan = try #require(SampleWorkloads.compile(workload))
      #expect(baseKeys.isDisjoint(with: plan.trials.map(\.key)), "\(name)")
    }
    let otherDigest = PlanCompiler(datasetDigest: "sha256:1").compile(
      SampleWorkloads.mnistNesterov()
    ).0
    #expect(baseKeys.isDisjoint(with: otherDigest?.trials.map(\.key) ?? []))
    // The pruning method reaches only sparse trials.
    var grasp = SampleWorkloads.mnistNesterov()
    grasp.study.pruning = PruningSpec(method: .grasp, examples: .perClass(10), temperature: 200)
    let graspPlan = try #require(SampleWorkloads.compile(grasp))
    for (a, b) in zip(base.trials, graspPlan.trials) {
      #expect((a.key == b.key) == (a.sparsity == 0))
    }
  }

  /// Moving a search bound changes the keys of exactly the trials whose values moved.
  @Test func searchBoundChangesOnlyMovedTrials() throws {
    let base = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov()))
    var workload = SampleWorkloads.mnistNesterov()
    workload.optimizers[0].metaparameters[.momentum] = .search(
      .continuous(min: 0.9, max: 0.99999, scale: .reverseLog))
    let moved = try #require(SampleWorkloads.compile(workload))
    var changed = 0
    for (a, b) in zip(base.trials, moved.trials) {
      #expect(a.cell == b.cell && a.index == b.index)
      #expect((a.key == b.key) == (a.metaparameters == b.metaparameters))
      if a.key != b.key { changed += 1 }
    }
    #expect(changed > 0)
    // A discrete set whose extra value no existing point selects moves nothing... but adding
    // a value to a discrete set remaps floor(u * count): every key whose value moved changes.
    var fixed = SampleWorkloads.mnistNesterov()
    fixed.optimizers[0].metaparameters[.momentum] = .fixed(0.9)
    let fixedPlan = try #require(SampleWorkloads.compile(fixed))
    var fixedAgain = fixed
    fixedAgain.optimizers[0].metaparameters[.momentum] = .fixed(0.99)
    let fixedAgainPlan = try #require(SampleWorkloads.compile(fixedAgain))
    #expect(Set(fixedPlan.trials.map(\.key)).isDisjoint(with: fixedAgainPlan.trials.map(\.key)))
  }

  @Test func batchSizesNeverShareKeys() throws {
    let plan = try #require(
      SampleWorkloads.compile(SampleWorkloads.mnistNesterov(batchSizes: [2, 4, 8, 16, 32])))
    let byBatch = Dictionary(grouping: plan.trials, by: \.batchSize).mapValues {
      Set($0.map(\.key))
    }
    for (a, keysA) in byBatch {
      for (b, keysB) in byBatch where a < b {
        #expect(keysA.isDisjoint(with: keysB))
      }
    }
  }

  @Test func listOrderDoesNotChangeThePlan() throws {
    let a = try #require(
      SampleWorkloads.compile(SampleWorkloads.mnistNesterov(batchSizes: [16, 64, 256])))
    let b = try #require(
      SampleWorkloads.compile(
        SampleWorkloads.mnistNesterov(batchSizes: [256, 16, 64], sparsities: [0.9, 0])))
    #expect(a.trials == b.trials)
    #expect(a.pruningNodes == b.pruningNodes)
  }

  @Test func haltonStudiesAreSeededAndAppendOnly() throws {
    var workload = SampleWorkloads.mnistNesterov()
    workload.study.sequence = .scrambledHalton(seed: 3)
    let a = try #require(SampleWorkloads.compile(workload))
    workload.study.trials = 12
    let b = try #require(SampleWorkloads.compile(workload))
    #expect(Set(a.trials.map(\.key)).isSubset(of: Set(b.trials.map(\.key))))
    workload.study.sequence = .scrambledHalton(seed: 4)
    let c = try #require(SampleWorkloads.compile(workload))
    #expect(Set(b.trials.map(\.metaparameters)) != Set(c.trials.map(\.metaparameters)))
  }

  @Test func planTimeDiagnostics() {
    var workload = SampleWorkloads.mnistNesterov()
    workload.study.batchSizes = [
      Located(12, at: SampleWorkloads.range(line: 14, column: 18)),
      Located(64, at: SampleWorkloads.range(line: 14, column: 22)),
      Located(65_536, at: SampleWorkloads.range(line: 14, column: 26)),
    ]
    workload.execution.workers = 8
    workload.budget = StepBudget(maxSteps: 4000, overrides: [64: 50])
    let (plan, diagnostics) = PlanCompiler(datasetDigest: "d", sourcePath: "w.yaml")
      .compile(workload)
    #expect(plan == nil)
    let ids = diagnostics.map {
      "\($0.id.rawValue)@\($0.range.start.line):\($0.range.start.column)"
    }
    #expect(
      ids == [
        "plan.batch-size-not-divisible@14:18",
        "plan.budget-below-evaluation-interval@14:22",
        "plan.batch-exceeds-training-split@14:26",
      ])
    #expect(diagnostics[0].summary == "batch size 12 is not divisible by 8 workers")
  }

  @Test func sparsityWithoutPruningIsAnError() {
    var workload = SampleWorkloads.mnistNesterov()
    workload.study.pruning = PruningSpec(method: .none)
    let (plan, diagnostics) = PlanCompiler(datasetDigest: "d").compile(workload)
    #expect(plan == nil)
    #expect(diagnostics.map(\.id.rawValue) == ["plan.sparsity-without-pruning"])
  }

  /// The compiler's fast key writer gives the documented canonical encoding, byte for byte.
  @Test func fastKeysEqualTheDocumentedEncoding() throws {
    var workload = SampleWorkloads.mnistNesterov()
    workload.optimizers.append(SampleWorkloads.sgdLinearDecay)
    let plan = try #require(SampleWorkloads.compile(workload))
    let context = TrialIdentity.Context(
      dataset: workload.dataset, datasetDigest: SampleWorkloads.digest, model: workload.model,
      trainerVersion: TrialIdentity.defaultTrainerVersion)
    #expect(plan.trials.count == 96)
    for t in plan.trials {
      let encoding = TrialIdentity.trialEncoding(
        context, optimizer: t.optimizer, schedule: t.schedule, metaparameters: t.metaparameters,
        batchSize: t.batchSize, sparsity: t.sparsity, pruningKey: t.pruning?.key,
        initSeed: t.initSeed, dataSeed: t.dataSeed, evaluationEverySteps: t.evaluationEverySteps)
      var buffer: [UInt8] = []
      let fast = TrialIdentity.trialKey(
        context, optimizer: t.optimizer, schedule: t.schedule,
        metaparameters: TrialIdentity.metaparameterBytes(t.metaparameters),
        batchSize: t.batchSize, sparsity: t.sparsity, pruningKey: t.pruning?.key,
        initSeed: t.initSeed, dataSeed: t.dataSeed,
        evaluationEverySteps: t.evaluationEverySteps, buffer: &buffer)
      #expect(buffer == encoding.bytes)
      #expect(fast == t.key)
      #expect(TrialIdentity.key(of: encoding) == t.key)
    }
  }
}
