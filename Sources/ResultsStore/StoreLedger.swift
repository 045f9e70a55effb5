import Foundation
import Planning
import Scheduling

/// The store as the scheduler sees it, for one study: `TrialLedger` over SQLite.
///
/// **Leases.** `claim` runs in one `BEGIN IMMEDIATE` transaction, so two runs (threads or
/// processes) cannot both see a trial free and both take it. A lease records the holder's run id,
/// host, pid and a heartbeat the scheduler renews. It is taken over when its holder is on this
/// host and its pid is gone (a `kill -9`: reclaimed at once), or when its heartbeat is older than
/// `StoreOptions.leaseTimeToLiveSeconds` (a dead process on another host, or a hung one). A run
/// whose lease was taken over learns it at its next heartbeat (`StoreError.leaseLost`).
///
/// **Resume.** A claimed trial resumes from its latest checkpoint; evaluations after that step are
/// deleted at claim time, since the resumed run records them again (identically, if the trainer
/// is deterministic), so a curve never mixes two runs.
///
/// **No overwrite.** A finished result is final. A second one is compared
/// (`TrialResult.isConsistent(with:)`); a different one goes to `conflicts` and is reported.
public struct StoreLedger: TrialLedger {
  public let store: ResultsStore
  public let study: StudyID

  public init(store: ResultsStore, study: StudyID) {
    self.store = store
    self.study = study
  }

  public func finishedResults(_ keys: [TrialKey]) throws -> [TrialKey: TrialResult] {
    let wanted = Set(keys.map(\.hex))
    return try store.withConnection { db in
      let statement = try db.prepare(
        """
        SELECT key, \(ResultsStore.resultColumns) FROM trials
        WHERE state IN ('reached', 'not-reached', 'dominated', 'diverged', 'failed')
        """)
      var results: [TrialKey: TrialResult] = [:]
      while try statement.step() {
        let key = statement.string(0)
        guard wanted.contains(key) else { continue }
        results[TrialKey(hex: key)] = ResultsStore.result(statement, from: 1)
      }
      return results
    }
  }

  public func claim(_ key: TrialKey, owner: LeaseOwner) throws -> ClaimResult {
    let ttl = store.options.leaseTimeToLiveSeconds
    return try store.withConnection { db in
      try db.transaction {
        let id = try store.trialID(db, key)
        let row = try db.prepare(
          """
          SELECT \(ResultsStore.resultColumns), optimizer, batch_size, sparsity
          FROM trials WHERE id = ?
          """)
        try row.bindAll([.integer(id)])
        guard try row.step() else { throw StoreError.unknownTrial(path: store.path, key: key.hex) }
        let existing = ResultsStore.result(row, from: 0)
        let cell = (row.int(7), row.int(8), row.double(9))
        row.reset()
        if existing.state.isFinished { return .finished(existing) }

        let lease = try db.prepare(
          "SELECT run_id, host, pid, heartbeat FROM leases WHERE trial = ?")
        try lease.bindAll([.integer(id)])
        if try lease.step() {
          let holder = LeaseOwner(
            host: lease.string(1), pid: Int32(truncatingIfNeeded: lease.int(2)),
            runID: lease.string(0))
          let heartbeat = lease.double(3)
          lease.reset()
          if holder.runID != owner.runID
            && Self.isAlive(holder, heartbeat: heartbeat, ttl: ttl, from: owner)
          {
            return .held(by: holder)
          }
        }
        lease.reset()
        let now = ResultsStore.now()
        try db.prepare(
          """
          INSERT INTO leases (trial, run_id, host, pid, acquired, heartbeat)
          VALUES (?1, ?2, ?3, ?4, ?5, ?5)
          ON CONFLICT (trial) DO UPDATE SET run_id = excluded.run_id, host = excluded.host,
            pid = excluded.pid, acquired = excluded.acquired, heartbeat = excluded.heartbeat
          """
        ).execute([
          .integer(id), .text(owner.runID), .text(owner.host), .integer(Int(owner.pid)),
          .real(now),
        ])
        try db.prepare(
          """
          UPDATE trials SET state = 'running', started = coalesce(started, ?2), run_id = ?3,
            machine = ?4
          WHERE id = ?1
          """
        ).execute([.integer(id), .real(now), .text(owner.runID), .text(owner.host)])

        var checkpoint: TrialCheckpoint?
        let saved = try db.prepare("SELECT step, bytes FROM checkpoints WHERE trial = ?")
        try saved.bindAll([.integer(id)])
        if try saved.step() {
          checkpoint = TrialCheckpoint(step: saved.int(0), bytes: saved.blob(1))
        }
        saved.reset()
        try db.prepare("DELETE FROM evaluations WHERE trial = ? AND step > ?")
          .execute([.integer(id), .integer(checkpoint?.step ?? -1)])
        try db.prepare("UPDATE trials SET steps_run = ? WHERE id = ?")
          .execute([.integer(checkpoint?.step ?? 0), .integer(id)])

        let best = try db.scalarInt(
          """
          SELECT min(t.steps_to_result) FROM trials AS t
          JOIN study_trials AS s ON s.trial = t.id AND s.study = ?
          WHERE t.optimizer = ? AND t.sparsity = ? AND t.batch_size = ? AND t.state = 'reached'
          """,
          [.integer(study.rawValue), .integer(cell.0), .real(cell.2), .integer(cell.1)])
        return .claimed(checkpoint: checkpoint, cellBestStep: best)
      }
    }
  }

  public func renewLeases(_ keys: [TrialKey], owner: LeaseOwner) throws {
    try store.withConnection { db in
      try db.transaction {
        let now = ResultsStore.now()
        let renew = try db.prepare("UPDATE leases SET heartbeat = ? WHERE trial = ? AND run_id = ?")
        for key in keys {
          let id = try store.trialID(db, key)
          try renew.execute([.real(now), .integer(id), .text(owner.runID)])
          if db.changes == 0 {
            // Finished and released meanwhile is fine; taken over by another run is not.
            let holder = try db.scalarString(
              "SELECT run_id FROM leases WHERE trial = ?", [.integer(id)])
            if let holder, holder != owner.runID {
              throw StoreError.leaseLost(path: store.path, key: key.hex)
            }
          }
        }
      }
    }
  }

  public func recordEvaluations(_ key: TrialKey, _ evaluations: [Evaluation]) throws {
    try store.withConnection { db in
      try db.transaction { try store.insertEvaluations(db, key, evaluations) }
    }
  }

  public func saveCheckpoint(_ key: TrialKey, _ checkpoint: TrialCheckpoint) throws {
    try store.withConnection { db in
      try db.transaction {
        let id = try store.trialID(db, key)
        try db.prepare(
          """
          INSERT INTO checkpoints (trial, step, bytes, saved) VALUES (?, ?, ?, ?)
          ON CONFLICT (trial) DO UPDATE SET step = excluded.step, bytes = excluded.bytes,
            saved = excluded.saved
          """
        ).execute([
          .integer(id), .integer(checkpoint.step), .blob(checkpoint.bytes),
          .real(ResultsStore.now()),
        ])
      }
    }
  }

  public func recordResult(_ key: TrialKey, _ result: TrialResult, owner: LeaseOwner) throws
    -> ResultRecording
  {
    try store.withConnection { db in
      try db.transaction {
        try store.recordResult(db, key, result, runID: owner.runID)
      }
    }
  }

  /// Whether a lease's holder may still be working.
  static func isAlive(_ holder: LeaseOwner, heartbeat: Double, ttl: Double, from me: LeaseOwner)
    -> Bool
  {
    if ResultsStore.now() - heartbeat > ttl { return false }
    if holder.host == me.host {
      // Signal 0 checks existence; EPERM means it exists but is someone else's. A zombie exists
      // too: a killed rank of `mpirun` stays one until something reaps it, which in containers
      // whose first process does not reap can be for ever.
      return (kill(holder.pid, 0) == 0 || errno == EPERM) && !isZombie(holder.pid)
    }
    return true
  }

  /// Whether `pid` has exited and waits to be reaped (state Z or X in /proc; false off Linux).
  static func isZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
    return state == "Z" || state == "X"
  }
}
