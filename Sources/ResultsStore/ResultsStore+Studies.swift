import Foundation
import Planning

extension ResultsStore {
  /// Records a plan: its study (by workload name, updated to this plan) and every trial it has,
  /// as `planned` unless the store already knows the key. Trials of an earlier plan that this one
  /// drops stay in the store, marked out of the plan (`in_plan = 0`), never deleted.
  ///
  /// One transaction: a plan is either fully registered or not at all.
  ///
  /// Registering the plan a study already holds (same name, same plan hash, every trial linked)
  /// changes nothing, so it only touches the study's timestamp: resuming a 100,000-trial study
  /// does not re-encode and re-insert 100,000 specs.
  @discardableResult
  public func register(_ plan: ExecutionPlan, planHash: String) throws -> StudyID {
    if let study = try alreadyRegistered(plan, planHash: planHash) { return study }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let workloadJSON = String(decoding: try encoder.encode(plan.workload), as: UTF8.self)
    let specs = try plan.trials.map { spec in
      (spec, String(decoding: try encoder.encode(spec), as: UTF8.self))
    }
    return try withConnection { db in
      try db.transaction {
        let now = Self.now()
        try db.prepare(
          """
          INSERT INTO studies (name, workload_json, plan_hash, plan_format, created, updated)
          VALUES (?1, ?2, ?3, ?4, ?5, ?5)
          ON CONFLICT (name) DO UPDATE SET workload_json = excluded.workload_json,
            plan_hash = excluded.plan_hash, plan_format = excluded.plan_format,
            updated = excluded.updated
          """
        ).execute([
          .text(plan.workload.name), .text(workloadJSON), .text(planHash),
          .integer(ExecutionPlan.formatVersion), .real(now),
        ])
        guard
          let study = try db.scalarInt(
            "SELECT id FROM studies WHERE name = ?", [.text(plan.workload.name)])
        else { throw StoreError.sqlite(path: path, code: 0, message: "study row vanished") }
        try db.prepare("UPDATE study_trials SET in_plan = 0 WHERE study = ?")
          .execute([.integer(study)])
        let insert = try db.prepare(
          """
          INSERT INTO trials (key, optimizer, batch_size, sparsity, trial_index,
            metaparameters_json, max_steps, trainer_version, spec_json)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (key) DO UPDATE SET max_steps = excluded.max_steps,
            spec_json = excluded.spec_json
          RETURNING id
          """)
        let link = try db.prepare(
          """
          INSERT INTO study_trials (study, trial, in_plan) VALUES (?, ?, 1)
          ON CONFLICT (study, trial) DO UPDATE SET in_plan = 1
          """)
        for (spec, json) in specs {
          insert.reset()
          try insert.bindAll([
            .text(spec.key.hex), .integer(spec.cell.optimizer), .integer(spec.batchSize),
            .real(spec.sparsity), .integer(spec.index),
            .text(MetaparameterText.encode(spec.metaparameters)), .integer(spec.maxSteps),
            .integer(spec.trainerVersion), .text(json),
          ])
          guard try insert.step() else { continue }
          let id = insert.int(0)
          insert.reset()
          trialIDs[spec.key.hex] = id
          try link.execute([.integer(study), .integer(id)])
        }
        return StudyID(rawValue: study)
      }
    }
  }

  /// The study, if it holds exactly this plan already (its timestamp is then updated).
  private func alreadyRegistered(_ plan: ExecutionPlan, planHash: String) throws -> StudyID? {
    try withConnection { db in
      try db.transaction {
        guard
          let study = try db.scalarInt(
            "SELECT id FROM studies WHERE name = ? AND plan_hash = ?",
            [.text(plan.workload.name), .text(planHash)]),
          let linked = try db.scalarInt(
            "SELECT count(*) FROM study_trials WHERE study = ? AND in_plan = 1",
            [.integer(study)]),
          linked == plan.trials.count
        else { return nil }
        try db.prepare("UPDATE studies SET updated = ? WHERE id = ?")
          .execute([.real(Self.now()), .integer(study)])
        return StudyID(rawValue: study)
      }
    }
  }

  /// The study registered under `name`, if any.
  public func study(named name: String) throws -> StudyID? {
    try withConnection { db in
      try db.scalarInt("SELECT id FROM studies WHERE name = ?", [.text(name)])
        .map(StudyID.init(rawValue:))
    }
  }

  /// The plan hash a study was last registered with (a saved plan with another is stale), or
  /// nil if it was taken over another plan format than today's (a store from before migration 3:
  /// such a hash says nothing about a plan of today, and is replaced at the next registration).
  public func planHash(of study: StudyID) throws -> String? {
    try withConnection { db in
      try db.scalarString(
        "SELECT plan_hash FROM studies WHERE id = ? AND plan_format = ?",
        [.integer(study.rawValue), .integer(ExecutionPlan.formatVersion)])
    }
  }

  /// A stored setting (the checkpoint interval, for one).
  public func setting(_ name: String) throws -> String? {
    try withConnection { db in
      try db.scalarString("SELECT value FROM settings WHERE name = ?", [.text(name)])
    }
  }

  public func setSetting(_ name: String, _ value: String) throws {
    try withConnection { db in
      try db.prepare(
        "INSERT INTO settings (name, value) VALUES (?, ?) "
          + "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
      ).execute([.text(name), .text(value)])
    }
  }

  /// The row id of a trial key (cached), or `unknownTrial`.
  func trialID(_ db: SQLiteConnection, _ key: TrialKey) throws -> Int {
    if let id = trialIDs[key.hex] { return id }
    guard let id = try db.scalarInt("SELECT id FROM trials WHERE key = ?", [.text(key.hex)]) else {
      throw StoreError.unknownTrial(path: path, key: key.hex)
    }
    trialIDs[key.hex] = id
    return id
  }
}
