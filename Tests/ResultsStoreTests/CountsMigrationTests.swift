import Analysis
import Foundation
import Planning
import Scheduling
import StepwiseTestSupport
import Testing
import WorkloadModel

@testable import ResultsStore

/// Curve points as the main branch stored them before migration 3 (no counts): raw SQL, so the
/// test does not depend on how this build records.
func insertOldEvaluations(_ store: ResultsStore, _ key: TrialKey, _ points: [(Int, Double)])
  throws
{
  try store.withConnection { db in
    for (step, error) in points {
      try db.prepare(
        """
        INSERT INTO evaluations (trial, step, validation_error, validation_loss, training_loss)
        VALUES ((SELECT id FROM trials WHERE key = ?), ?, ?, ?, ?)
        """
      ).execute([.text(key.hex), .integer(step), .real(error), .real(2 * error), .real(error)])
    }
  }
}

/// Migration 3 (`evaluation-counts`): a store written before counts existed keeps working, with
/// counts derived exactly from the stored errors.
@Suite struct CountsMigrationTests {
  @Test func anOldStoreGetsExactCountsAndTheExactGoalTest() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 9)
    study.goal = Goal(comparison: .atMost, threshold: 0.02)
    let key = study.specs[0].key
    // The old trainer's errors: 1 - correct / 6000 in Double, for these wrong counts.
    let wrong = [900, 431, 121, 120, 97] + (0..<40).map { ($0 * 7919) % 6001 }
    let steps = wrong.indices.map { 100 * ($0 + 1) }
    let path = try olderStore(in: dir, migrations: Migration.all.prefix(2)) { old in
      _ = try old.register(study.plan, planHash: "h")
      try insertOldEvaluations(
        old, key, zip(steps, wrong).map { ($0, 1 - Double(6000 - $1) / 6000) })
      // A point that is no fraction of N (not written by Stepwise): it keeps no counts.
      try insertOldEvaluations(old, study.specs[1].key, [(100, 0.123456789)])
    }
    let store = try ResultsStore(path: path)
    #expect(try store.appliedMigrations().map(\.name).contains("evaluation-counts"))
    let curve = try store.evaluations(key)
    #expect(curve.map { $0.counts?.wrong } == wrong)
    #expect(curve.allSatisfy { $0.counts?.seen == 6000 && $0.counts?.total == 6000 })
    #expect(try store.evaluations(study.specs[1].key).first?.counts == nil)

    // The analysis reads the derived counts and applies the exact test: 120 of 6,000 meets
    // `<= 0.02` (step 400), which the stored Double, 0.0200000000000000178, does not.
    #expect(!study.goal.isMet(curve[3].validationError))
    let id = try #require(try store.study(named: study.workload.name))
    let results = StudyResults(table: try store.readStudy(id), workload: study.workload)
    let trial = try #require(results.cells.flatMap(\.trials).first { $0.key == key.hex })
    #expect(trial.curve.wrong?.prefix(5) == [900, 431, 121, 120, 97])
    #expect(TrialCrossing(trial: trial, goal: study.goal).firstStep == 400)
    let below = Goal(comparison: .below, threshold: 0.02)
    #expect(TrialCrossing(trial: trial, goal: below).firstStep == 500)
    let other = try #require(
      results.cells.flatMap(\.trials).first { $0.key == study.specs[1].key.hex })
    #expect(other.curve.wrong == nil)

    // New points record their counts, bounds included.
    let ledger = StoreLedger(store: store, study: id)
    guard case .claimed = try ledger.claim(study.specs[2].key, owner: .current()) else {
      Issue.record("claim failed")
      return
    }
    let bound = Evaluation(
      step: 100, validationError: 130.0 / 6000, validationLoss: 0.1, trainingLoss: 0.2,
      counts: EvaluationCounts(wrong: 130, seen: 1500, total: 6000))
    try ledger.recordEvaluations(study.specs[2].key, [bound])
    #expect(try store.evaluations(study.specs[2].key) == [bound])
  }
}
