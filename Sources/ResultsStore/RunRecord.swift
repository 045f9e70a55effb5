import Foundation
import Scheduling

/// One `stepwise run`: where, with what, and how it went (the `runs` table).
public struct RunRecord: Hashable, Sendable {
  public var owner: LeaseOwner
  public var study: StudyID?
  /// CPU model and core count, for throughput to mean something later.
  public var machine: String
  public var stepwiseVersion: String
  public var trainerVersion: Int?
  public var jobs: Int
  public var workers: Int

  public init(
    owner: LeaseOwner, study: StudyID?, machine: String, stepwiseVersion: String,
    trainerVersion: Int?, jobs: Int, workers: Int
  ) {
    self.owner = owner
    self.study = study
    self.machine = machine
    self.stepwiseVersion = stepwiseVersion
    self.trainerVersion = trainerVersion
    self.jobs = jobs
    self.workers = workers
  }
}

extension ResultsStore {
  /// Records that a run started.
  public func beginRun(_ run: RunRecord) throws {
    try withConnection { db in
      try db.prepare(
        """
        INSERT INTO runs (id, study, machine, host, pid, stepwise_version, trainer_version, jobs,
          workers, started)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
      ).execute([
        .text(run.owner.runID), run.study.map { .integer($0.rawValue) } ?? .null,
        .text(run.machine), .text(run.owner.host), .integer(Int(run.owner.pid)),
        .text(run.stepwiseVersion), run.trainerVersion.map { .integer($0) } ?? .null,
        .integer(run.jobs), .integer(run.workers), .real(Self.now()),
      ])
    }
  }

  /// Records how a run ended: `completed` or `interrupted`, with its summary.
  public func finishRun(_ runID: String, _ summary: SchedulerSummary) throws {
    let finished = summary.byState.filter { $0.key.isFinished }.values.reduce(0, +)
    try withConnection { db in
      try db.prepare(
        """
        UPDATE runs SET ended = ?2, status = ?3, trials_finished = ?4, steps_run = ?5,
          steps_saved = ?6, examples_per_second = ?7, wall_seconds = ?8
        WHERE id = ?1
        """
      ).execute([
        .text(runID), .real(Self.now()), .text(summary.interrupted ? "interrupted" : "completed"),
        .integer(finished), .integer(summary.stepsRun), .integer(summary.stepsSavedByEarlyStop),
        .real(summary.examplesPerSecond), .real(summary.wallSeconds),
      ])
    }
  }

  /// The status of a recorded run (`running`, `completed`, `interrupted`), if it exists.
  public func runStatus(_ runID: String) throws -> String? {
    try withConnection { db in
      try db.scalarString("SELECT status FROM runs WHERE id = ?", [.text(runID)])
    }
  }
}
