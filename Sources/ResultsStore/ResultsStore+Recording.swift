import Foundation
import Planning
import Scheduling

extension ResultsStore {
  /// The columns `result(_:from:)` reads, in order.
  static let resultColumns =
    "state, steps_to_result, steps_run, best_metric, message, wall_seconds, examples_per_second"

  static func result(_ row: SQLiteStatement, from first: Int32) -> TrialResult {
    TrialResult(
      state: TrialState(rawValue: row.string(first)) ?? .failed,
      stepsToResult: row.optionalInt(first + 1), stepsRun: row.int(first + 2),
      bestMetric: row.optionalDouble(first + 3), message: row.optionalString(first + 4),
      wallSeconds: row.double(first + 5), examplesPerSecond: row.optionalDouble(first + 6) ?? 0)
  }

  /// A validation loss as stored. SQLite turns a NaN into NULL, which the NOT NULL column refuses
  /// (a diverging trial's evaluation then failed the whole run), so a NaN is kept as +infinity:
  /// both say "not finite", which is all a reader needs (the trial is judged diverged).
  static func storedLoss(_ value: Double) -> Double {
    value.isNaN ? .infinity : value
  }

  /// Inserts a curve segment. For an unfinished trial a step already stored is replaced (a
  /// resumed run re-records it); for a finished trial nothing is replaced, and a value that
  /// differs from the stored one is kept in `conflicts`.
  func insertEvaluations(_ db: SQLiteConnection, _ key: TrialKey, _ evaluations: [Evaluation])
    throws
  {
    guard !evaluations.isEmpty else { return }
    let id = try trialID(db, key)
    let state = try db.scalarString("SELECT state FROM trials WHERE id = ?", [.integer(id)])
    let finished = TrialState(rawValue: state ?? "")?.isFinished ?? false
    if finished {
      try compareEvaluations(db, id, evaluations)
      return
    }
    let insert = try db.prepare(
      """
      INSERT OR REPLACE INTO evaluations
        (trial, step, validation_error, validation_loss, training_loss, wrong, examples_seen,
          examples_total)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """)
    var last = 0
    for e in evaluations {
      try insert.execute([
        .integer(id), .integer(e.step), .real(e.validationError),
        .real(Self.storedLoss(e.validationLoss)),
        e.trainingLoss.isNaN ? .null : .real(e.trainingLoss),
        e.counts.map { .integer($0.wrong) } ?? .null, e.counts.map { .integer($0.seen) } ?? .null,
        e.counts.map { .integer($0.total) } ?? .null,
      ])
      last = max(last, e.step)
    }
    try db.prepare("UPDATE trials SET steps_run = max(steps_run, ?) WHERE id = ?")
      .execute([.integer(last), .integer(id)])
  }

  private func compareEvaluations(_ db: SQLiteConnection, _ id: Int, _ evaluations: [Evaluation])
    throws
  {
    let stored = try db.prepare(
      """
      SELECT validation_error, validation_loss, wrong, examples_seen FROM evaluations
      WHERE trial = ? AND step = ?
      """)
    for e in evaluations {
      try stored.bindAll([.integer(id), .integer(e.step)])
      let same: Bool
      if try stored.step() {
        let seen = stored.optionalInt(3)
        if let seen, let wrong = stored.optionalInt(2), let counts = e.counts, seen != counts.seen {
          // One of the two stopped early (a run with `exit_early` against one without): the
          // shorter prefix of the fixed example order can only have fewer wrong answers.
          same = seen < counts.seen ? wrong <= counts.wrong : counts.wrong <= wrong
        } else {
          same =
            stored.double(0) == e.validationError
            && stored.double(1) == Self.storedLoss(e.validationLoss)
        }
      } else {
        same = true  // beyond where the finished run stopped: nothing to compare with
      }
      stored.reset()
      guard !same else { continue }
      try db.prepare(
        """
        INSERT INTO conflicts
          (trial, kind, recorded, step, validation_error, validation_loss, wrong, examples_seen)
        VALUES (?, 'evaluation', ?, ?, ?, ?, ?, ?)
        """
      ).execute([
        .integer(id), .real(Self.now()), .integer(e.step), .real(e.validationError),
        .real(Self.storedLoss(e.validationLoss)), e.counts.map { .integer($0.wrong) } ?? .null,
        e.counts.map { .integer($0.seen) } ?? .null,
      ])
    }
  }

  /// The rule of `StoreLedger.recordResult`, inside the caller's transaction.
  func recordResult(_ db: SQLiteConnection, _ key: TrialKey, _ result: TrialResult, runID: String)
    throws -> ResultRecording
  {
    let id = try trialID(db, key)
    let row = try db.prepare("SELECT \(Self.resultColumns) FROM trials WHERE id = ?")
    try row.bindAll([.integer(id)])
    guard try row.step() else { throw StoreError.unknownTrial(path: path, key: key.hex) }
    let existing = Self.result(row, from: 0)
    row.reset()
    try db.prepare("DELETE FROM leases WHERE trial = ? AND run_id = ?")
      .execute([.integer(id), .text(runID)])

    if existing.state.isFinished {
      guard result.state.isFinished else { return .alreadyRecorded }
      if existing.isConsistent(with: result) { return .alreadyRecorded }
      try db.prepare(
        """
        INSERT INTO conflicts (trial, kind, recorded, run_id, state, steps_to_result, steps_run,
          best_metric, message)
        VALUES (?, 'result', ?, ?, ?, ?, ?, ?, ?)
        """
      ).execute([
        .integer(id), .real(Self.now()), .text(runID), .text(result.state.rawValue),
        result.stepsToResult.map { .integer($0) } ?? .null, .integer(result.stepsRun),
        result.bestMetric.map { .real($0) } ?? .null, result.message.map { .text($0) } ?? .null,
      ])
      return .nonDeterministic(NonDeterminism(key: key, kept: existing, conflicting: result))
    }

    let finished: SQLiteValue = result.state.isFinished ? .real(Self.now()) : .null
    try db.prepare(
      """
      UPDATE trials SET state = ?2, steps_to_result = ?3, steps_run = ?4, best_metric = ?5,
        message = ?6, finished = ?7, wall_seconds = wall_seconds + ?8,
        examples_per_second = ?9, run_id = ?10
      WHERE id = ?1
      """
    ).execute([
      .integer(id), .text(result.state.rawValue),
      result.stepsToResult.map { .integer($0) } ?? .null, .integer(result.stepsRun),
      result.bestMetric.map { .real($0) } ?? .null, result.message.map { .text($0) } ?? .null,
      finished, .real(result.wallSeconds), .real(result.examplesPerSecond), .text(runID),
    ])
    // A reached, diverged or failed trial will never be extended, so its checkpoint is only
    // weight. Not-reached and dominated trials keep theirs: a raised budget or a tightened goal
    // continues them instead of starting over.
    if [.reached, .diverged, .failed].contains(result.state) {
      try db.prepare("DELETE FROM checkpoints WHERE trial = ?").execute([.integer(id)])
    }
    return .recorded
  }

  /// Records many trials' curves in one transaction: imports, fixtures and benchmarks. The same
  /// rules as `StoreLedger.recordEvaluations` apply per trial.
  public func recordEvaluations(_ curves: [(TrialKey, [Evaluation])]) throws {
    try withConnection { db in
      try db.transaction {
        for (key, evaluations) in curves { try insertEvaluations(db, key, evaluations) }
      }
    }
  }

  /// Records many results in one transaction, with the rules of `StoreLedger.recordResult`.
  public func recordResults(_ results: [(TrialKey, TrialResult)], runID: String) throws
    -> [ResultRecording]
  {
    try withConnection { db in
      try db.transaction {
        try results.map { try recordResult(db, $0.0, $0.1, runID: runID) }
      }
    }
  }
}
