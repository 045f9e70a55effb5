import Foundation
import Planning
import Scheduling
import WorkloadModel

/// A study as `stepwise status` and `stepwise report` find it: its name and the workload it was
/// last registered with.
public struct StudyListing: Sendable {
  public var id: StudyID
  public var name: String
  public var workload: Workload
  public var planHash: String
  /// When the study was last registered (seconds since 1970).
  public var updated: Double
}

extension ResultsStore {
  /// Every study in the store, most recently registered first.
  public func studies() throws -> [StudyListing] {
    let rows = try withConnection { db -> [(Int, String, String, String, Double)] in
      let statement = try db.prepare(
        "SELECT id, name, workload_json, plan_hash, updated FROM studies ORDER BY updated DESC")
      defer { statement.reset() }
      var rows: [(Int, String, String, String, Double)] = []
      while try statement.step() {
        rows.append(
          (statement.int(0), statement.string(1), statement.string(2), statement.string(3),
           statement.double(4)))
      }
      return rows
    }
    return try rows.map { row in
      let workload = try JSONDecoder().decode(Workload.self, from: Data(row.2.utf8))
      return StudyListing(
        id: StudyID(rawValue: row.0), name: row.1, workload: workload, planHash: row.3,
        updated: row.4)
    }
  }
}

extension ResultsStore: PlanStatusProvider {
  /// What the store knows of each key (`plan --store`, `diff --store`): steps run and whether
  /// the trial is finished. Keys the store has never seen are absent.
  public func storedTrials(for keys: [TrialKey]) throws -> [TrialKey: StoredTrial] {
    try withConnection { db in
      let statement = try db.prepare("SELECT state, steps_run FROM trials WHERE key = ?")
      var stored: [TrialKey: StoredTrial] = [:]
      for key in keys {
        try statement.bindAll([.text(key.hex)])
        if try statement.step() {
          let state = TrialState(rawValue: statement.string(0))
          stored[key] = StoredTrial(
            stepsRun: statement.int(1), finished: state?.isFinished ?? false)
        }
        statement.reset()
      }
      return stored
    }
  }
}
