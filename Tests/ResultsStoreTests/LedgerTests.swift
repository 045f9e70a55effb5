import Foundation
import Planning
import Scheduling
import StepwiseTestSupport
import Testing

@testable import ResultsStore

@Suite struct LedgerTests {
  /// A lease holder that exited but was not reaped (as a killed `mpirun` rank whose launcher is
  /// gone) is dead, not alive: its trials are taken over at once.
  @Test func aZombieHoldsNoLease() throws {
    var pid: pid_t = 0
    let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
    defer { arguments.forEach { free($0) } }
    let spawned = posix_spawn(&pid, "/bin/true", nil, nil, arguments, environ)
    try #require(spawned == 0)
    var waited = 0
    while !StoreLedger.isZombie(pid) && waited < 200 {
      usleep(10_000)
      waited += 1
    }
    #expect(StoreLedger.isZombie(pid))
    #expect(kill(pid, 0) == 0)  // it still exists, which alone would keep its lease alive
    let me = LeaseOwner(host: "here", pid: getpid(), runID: "me")
    let holder = LeaseOwner(host: "here", pid: pid, runID: "zombie")
    #expect(!StoreLedger.isAlive(holder, heartbeat: ResultsStore.now(), ttl: 60, from: me))
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    #expect(!StoreLedger.isZombie(pid))
    #expect(!StoreLedger.isZombie(getpid()))
    #expect(StoreLedger.isAlive(me, heartbeat: ResultsStore.now(), ttl: 60, from: holder))
  }

  /// Synthetic study `seed` registered in a store in `dir`, the store's ledger for it, and the
  /// key of its trial number `trial`.
  static func ledger(seed: UInt64, trial: Int, in dir: TemporaryDirectory) throws
    -> (ResultsStore, StoreLedger, TrialKey)
  {
    let study = SyntheticStudy(seed: seed)
    let (store, id) = try makeStore(dir, study)
    return (store, StoreLedger(store: store, study: id), study.specs[trial].key)
  }

  /// `ledger(seed:trial: 0, in:)` with that trial claimed by this process.
  static func claimedFirstTrial(seed: UInt64, in dir: TemporaryDirectory) throws
    -> (ResultsStore, StoreLedger, TrialKey, LeaseOwner)
  {
    let (store, ledger, key) = try ledger(seed: seed, trial: 0, in: dir)
    let owner = LeaseOwner.current()
    let claim = try ledger.claim(key, owner: owner)
    guard case .claimed = claim else { throw NotClaimed(claim: "\(claim)") }
    return (store, ledger, key, owner)
  }

  struct NotClaimed: Error { var claim: String }

  /// A diverging trial's last evaluation can have a NaN loss; SQLite would store it as NULL
  /// against the NOT NULL column and fail the run. It is stored as +infinity (not finite), and a
  /// re-recorded NaN after the trial finished is the same value, not a conflict.
  @Test func aNaNValidationLossIsStoredAsNotFinite() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (store, ledger, key, owner) = try Self.claimedFirstTrial(seed: 6, in: dir)
    let diverged = Evaluation(
      step: 200, validationError: 0.9, validationLoss: .nan, trainingLoss: .nan)
    try ledger.recordEvaluations(key, [.at(100, 0.3), diverged])
    let stored = try store.evaluations(key)
    #expect(stored.map(\.step) == [100, 200])
    #expect(stored.last?.validationLoss == .infinity)
    #expect(stored.last?.trainingLoss.isNaN == true)
    let result = TrialResult(state: .diverged, stepsToResult: nil, stepsRun: 200, bestMetric: 0.3)
    #expect(try ledger.recordResult(key, result, owner: owner) == .recorded)
    try ledger.recordEvaluations(key, [diverged])
    #expect(try store.conflicts().isEmpty)
  }

  @Test func finishedResultIsNeverOverwritten() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (store, ledger, key, owner) = try Self.claimedFirstTrial(seed: 5, in: dir)
    try ledger.recordEvaluations(key, [.at(100, 0.3), .at(200, 0.08)])
    let first = TrialResult(state: .reached, stepsToResult: 200, stepsRun: 200, bestMetric: 0.08)
    #expect(try ledger.recordResult(key, first, owner: owner) == .recorded)

    // The same result again: nothing changes.
    #expect(try ledger.recordResult(key, first, owner: owner) == .alreadyRecorded)
    // A different one: reported, stored apart, the first kept.
    let second = TrialResult(state: .reached, stepsToResult: 300, stepsRun: 300, bestMetric: 0.07)
    #expect(
      try ledger.recordResult(key, second, owner: owner)
        == .nonDeterministic(NonDeterminism(key: key, kept: first, conflicting: second)))
    #expect(try store.trial(key)?.result.stepsToResult == 200)
    #expect(try store.conflicts().map(\.result) == [second])
    // A claim of a finished trial answers with its result; an interrupted record cannot undo it.
    #expect(try ledger.claim(key, owner: owner) == .finished(first))
    let interrupted = TrialResult(
      state: .interrupted, stepsToResult: nil, stepsRun: 100, bestMetric: nil)
    #expect(try ledger.recordResult(key, interrupted, owner: owner) == .alreadyRecorded)
    #expect(try store.trial(key)?.result.state == .reached)
    // Evaluations for the finished trial do not replace its curve; a differing one is a conflict.
    try ledger.recordEvaluations(key, [.at(200, 0.09)])
    #expect(try store.evaluations(key).map(\.validationError) == [0.3, 0.08])
    #expect(try store.conflicts().last?.evaluation?.validationError == 0.09)
  }

  @Test func resumeRewindsToTheCheckpoint() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (store, ledger, key) = try Self.ledger(seed: 6, trial: 1, in: dir)
    let owner = LeaseOwner.current()
    _ = try ledger.claim(key, owner: owner)
    try ledger.recordEvaluations(key, [.at(100, 0.5), .at(200, 0.4)])
    try ledger.saveCheckpoint(key, TrialCheckpoint(step: 200, bytes: [1, 2, 3]))
    try ledger.recordEvaluations(key, [.at(300, 0.35)])
    try ledger.saveCheckpoint(key, TrialCheckpoint(step: 300, bytes: [4, 5]))
    try ledger.recordEvaluations(key, [.at(400, 0.3)])
    // Crash: no result recorded, the lease is left behind by this (live) owner; a new run of the
    // same process would be a new run id, so use one that looks dead: same host, exited pid.
    let dead = LeaseOwner(host: owner.host, pid: try exitedPID(), runID: "dead")
    try store.withConnection { db in
      try db.exec("UPDATE leases SET run_id = 'dead', pid = \(dead.pid)")
    }
    let next = LeaseOwner.current()
    let claim = try ledger.claim(key, owner: next)
    #expect(
      claim == .claimed(checkpoint: TrialCheckpoint(step: 300, bytes: [4, 5]), cellBestStep: nil))
    #expect(try store.evaluations(key).map(\.step) == [100, 200, 300])
    #expect(try store.trial(key)?.result.state == .running)
  }

  @Test func leasesKeepTwoRunsApartAndExpire() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let study = SyntheticStudy(seed: 7)
    let (store, id) = try makeStore(
      dir, study, options: StoreOptions(leaseTimeToLiveSeconds: 0.3))
    let ledger = StoreLedger(store: store, study: id)
    let key = study.specs[0].key
    let remote = LeaseOwner(host: "node-17.cluster", pid: 4242, runID: "remote")
    let local = LeaseOwner.current()
    #expect(try ledger.claim(key, owner: remote) == .claimed(checkpoint: nil, cellBestStep: nil))
    #expect(try ledger.claim(key, owner: local) == .held(by: remote))
    // A live holder that keeps its heartbeat keeps the lease past the time to live.
    Thread.sleep(forTimeInterval: 0.2)
    try ledger.renewLeases([key], owner: remote)
    Thread.sleep(forTimeInterval: 0.2)
    #expect(try ledger.claim(key, owner: local) == .held(by: remote))
    // Its heartbeat stops: after the time to live the lease is taken over...
    Thread.sleep(forTimeInterval: 0.4)
    #expect(try ledger.claim(key, owner: local) == .claimed(checkpoint: nil, cellBestStep: nil))
    // ...and the old holder learns it at its next heartbeat.
    #expect(throws: StoreError.leaseLost(path: store.path, key: key.hex)) {
      try ledger.renewLeases([key], owner: remote)
    }

    // On this host, a dead holder's lease is taken over at once, whatever the heartbeat says.
    let other = study.specs[1].key
    let dead = LeaseOwner(host: local.host, pid: try exitedPID(), runID: "dead-local")
    _ = try ledger.claim(other, owner: dead)
    #expect(try ledger.claim(other, owner: local) == .claimed(checkpoint: nil, cellBestStep: nil))
    // A live one on this host (this process, another run id) keeps it.
    let third = study.specs[2].key
    let sibling = LeaseOwner(host: local.host, pid: getpid(), runID: "sibling")
    _ = try ledger.claim(third, owner: sibling)
    #expect(try ledger.claim(third, owner: local) == .held(by: sibling))
  }

  @Test func bulkReadAndCellSummaries() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 8)
    study.batchSizes = [32, 64]
    study.sparsities = [0]
    study.trials = 3
    let (store, id) = try makeStore(dir, study)
    let specs = study.specs
    try store.recordEvaluations([
      (specs[0].key, [.at(100, 0.4), .at(200, 0.09)]),
      (specs[1].key, [.at(100, 0.3)]),
      (specs[4].key, [.at(100, 0.2), .at(200, 0.15), .at(300, 0.05)]),
    ])
    let recordings = try store.recordResults(
      [
        (
          specs[0].key,
          TrialResult(state: .reached, stepsToResult: 200, stepsRun: 200, bestMetric: 0.09)
        ),
        (
          specs[1].key,
          TrialResult(state: .dominated, stepsToResult: nil, stepsRun: 200, bestMetric: 0.3)
        ),
        (
          specs[4].key,
          TrialResult(state: .reached, stepsToResult: 300, stepsRun: 300, bestMetric: 0.05)
        ),
      ], runID: "r")
    #expect(recordings == [.recorded, .recorded, .recorded])

    let table = try store.readStudy(id)
    #expect(table.count == 6)
    #expect(table.keys == specs.map(\.key))
    #expect(table.cells == specs.map(\.cell))
    #expect(table.curveStart == [0, 2, 3, 3, 3, 6, 6])
    #expect(table.steps == [100, 200, 100, 100, 200, 300])
    #expect(table.validationError == [0.4, 0.09, 0.3, 0.2, 0.15, 0.05])
    #expect(table.states == [.reached, .dominated, .planned, .planned, .reached, .planned])
    #expect(table.stepsToResult == [200, nil, nil, nil, 300, nil])
    #expect(table.metaparameters[2] == specs[2].metaparameters)

    let summaries = try store.cellSummaries(id)
    #expect(summaries.map(\.cell) == [specs[0].cell, specs[3].cell])
    #expect(summaries[0].count(.reached) == 1)
    #expect(summaries[0].count(.dominated) == 1)
    #expect(summaries[0].count(.planned) == 1)
    #expect(summaries[0].stepsToResult == 200)
    #expect(summaries[1].stepsToResult == 300)
    #expect(summaries[1].trials == 3)
  }

  @Test func replanningKeepsDroppedTrialsOutOfThePlan() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 9)
    study.trials = 4
    let (store, id) = try makeStore(dir, study)
    study.trials = 2
    let again = try store.register(study.plan, planHash: "smaller")
    #expect(again == id)
    #expect(try store.readStudy(id).count == study.specs.count)
    #expect(try store.planHash(of: id) == "smaller")
    let total = try store.withConnection { try $0.scalarInt("SELECT count(*) FROM trials") }
    #expect(total == study.specs.count * 2)
  }

  @Test func reRegisteringTheSamePlanChangesNothingButItsTimestamp() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 12)
    study.trials = 3
    let (store, id) = try makeStore(dir, study)
    let spec = study.specs[1]
    _ = try store.recordResults(
      [(spec.key, TrialResult(state: .reached, stepsToResult: 300, stepsRun: 300, bestMetric: 0.1))],
      runID: "r")
    let before = try store.studies().first?.updated ?? 0
    let again = try store.register(study.plan, planHash: "hash-\(study.seed)")
    #expect(again == id)
    #expect((try store.studies().first?.updated ?? 0) >= before)
    let table = try store.readStudy(id)
    #expect(table.count == study.specs.count)
    #expect(table.stepsToResult[1] == 300)
    // The same plan with a trial fewer linked (as after a crash mid-registration) is re-linked.
    try store.withConnection {
      try $0.prepare("UPDATE study_trials SET in_plan = 0 WHERE trial = (SELECT min(trial) FROM study_trials)")
        .execute([])
    }
    #expect(try store.readStudy(id).count == study.specs.count - 1)
    _ = try store.register(study.plan, planHash: "hash-\(study.seed)")
    #expect(try store.readStudy(id).count == study.specs.count)
  }

  @Test func masksRunsAndSettings() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (store, id) = try makeStore(dir, SyntheticStudy(seed: 10))
    let values: [Float] = (0..<1001).map { $0 % 3 == 0 ? 1 : 0 }
    let record = MaskRecord(
      key: TrialKey(hex: "mask-1"), sparsity: 0.66, method: "snip",
      layerDensity: [
        .init(layer: "conv1", kept: 400, total: 800), .init(layer: "fc", kept: 20, total: 201),
      ],
      mask: PackedMask(keeping: values))
    try store.saveMask(record)
    let loaded = try #require(try store.mask(record.key))
    #expect(loaded == record)
    #expect(loaded.mask.unpacked() == values)
    #expect(loaded.mask.keptCount == 334)
    #expect(loaded.mask.bits.count == 126)
    let densities = try store.maskDensities()
    #expect(densities.count == 1)
    #expect(densities.first?.layers.map(\.density) == [0.5, 20.0 / 201])
    #expect(densities.first?.method == "snip")

    let owner = LeaseOwner.current()
    try store.beginRun(
      RunRecord(
        owner: owner, study: id, machine: "2 vCPU AMD EPYC", stepwiseVersion: "0.1.0",
        trainerVersion: 1, jobs: 2, workers: 1))
    #expect(try store.runStatus(owner.runID) == "running")
    var summary = SchedulerSummary()
    summary.interrupted = true
    try store.finishRun(owner.runID, summary)
    #expect(try store.runStatus(owner.runID) == "interrupted")

    try store.setSetting("checkpoint_every_steps", "500")
    try store.setSetting("checkpoint_every_steps", "1000")
    #expect(try store.setting("checkpoint_every_steps") == "1000")
  }
}

/// The pid of a process that has exited (and been reaped).
func exitedPID() throws -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/true")
  try process.run()
  process.waitUntilExit()
  return process.processIdentifier
}
