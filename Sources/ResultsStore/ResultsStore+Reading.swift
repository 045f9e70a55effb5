import Foundation
import Planning
import Scheduling
import WorkloadModel

extension ResultsStore {
  /// Every trial of the study's current plan with its whole curve, in two sequential scans.
  ///
  /// Trials are read in row-id order through `study_trials`' primary key; curves through the
  /// `evaluations` primary key `(trial, step)`, in the same order, so the two are merged without
  /// a lookup table.
  public func readStudy(_ study: StudyID) throws -> StudyTable {
    try withConnection { db in
      try db.transaction(immediate: false) {
        var table = StudyTable()
        var ids: [Int] = []
        let trials = try db.prepare(
          """
          SELECT t.id, t.key, t.optimizer, t.batch_size, t.sparsity, t.trial_index, t.state,
            t.steps_to_result, t.steps_run, t.max_steps, t.best_metric, t.metaparameters_json,
            t.wall_seconds
          FROM study_trials AS s JOIN trials AS t ON t.id = s.trial
          WHERE s.study = ? AND s.in_plan = 1
          ORDER BY s.trial
          """)
        try trials.bindAll([.integer(study.rawValue)])
        while try trials.step() {
          ids.append(trials.int(0))
          table.keys.append(TrialKey(hex: trials.string(1)))
          table.cells.append(
            CellID(optimizer: trials.int(2), batchSize: trials.int(3), sparsity: trials.double(4)))
          table.indices.append(trials.int(5))
          table.states.append(TrialState(rawValue: trials.string(6)) ?? .failed)
          table.stepsToResult.append(trials.optionalInt(7))
          table.stepsRun.append(trials.int(8))
          table.maxSteps.append(trials.int(9))
          table.bestMetric.append(trials.optionalDouble(10))
          table.metaparameters.append(MetaparameterText.decode(trials.string(11)))
          table.wallSeconds.append(trials.double(12))
        }
        trials.reset()

        table.curveStart.reserveCapacity(ids.count + 1)
        let curves = try db.prepare(
          """
          SELECT e.trial, e.step, e.validation_error, e.validation_loss, e.training_loss,
            e.wrong, e.examples_seen, e.examples_total
          FROM study_trials AS s JOIN evaluations AS e ON e.trial = s.trial
          WHERE s.study = ? AND s.in_plan = 1
          ORDER BY e.trial, e.step
          """)
        try curves.bindAll([.integer(study.rawValue)])
        var position = 0
        while try curves.step() {
          let trial = curves.int(0)
          while position < ids.count && ids[position] < trial {
            table.curveStart.append(table.steps.count)
            position += 1
          }
          table.steps.append(Int32(truncatingIfNeeded: curves.int(1)))
          table.validationError.append(curves.double(2))
          table.validationLoss.append(curves.double(3))
          table.trainingLoss.append(curves.optionalDouble(4) ?? .nan)
          table.wrong.append(Int32(truncatingIfNeeded: curves.optionalInt(5) ?? -1))
          table.examplesSeen.append(Int32(truncatingIfNeeded: curves.optionalInt(6) ?? -1))
          table.examplesTotal.append(Int32(truncatingIfNeeded: curves.optionalInt(7) ?? -1))
        }
        curves.reset()
        while position < ids.count {
          table.curveStart.append(table.steps.count)
          position += 1
        }
        return table
      }
    }
  }

  /// Per cell of the study's current plan: counts by state and steps-to-result so far, sorted
  /// by cell (optimizer, sparsity, batch size).
  public func cellSummaries(_ study: StudyID) throws -> [CellSummary] {
    try withConnection { db in
      let statement = try db.prepare(
        """
        SELECT t.optimizer, t.batch_size, t.sparsity, t.state, count(*), min(t.steps_to_result)
        FROM study_trials AS s JOIN trials AS t ON t.id = s.trial
        WHERE s.study = ? AND s.in_plan = 1
        GROUP BY t.optimizer, t.batch_size, t.sparsity, t.state
        """)
      try statement.bindAll([.integer(study.rawValue)])
      var byCell: [CellID: CellSummary] = [:]
      while try statement.step() {
        let cell = CellID(
          optimizer: statement.int(0), batchSize: statement.int(1), sparsity: statement.double(2))
        var summary =
          byCell[cell]
          ?? CellSummary(
            cell: cell,
            counts: Dictionary(uniqueKeysWithValues: TrialState.allCases.map { ($0.rawValue, 0) }),
            stepsToResult: nil, trials: 0)
        let count = statement.int(4)
        summary.counts[statement.string(3), default: 0] += count
        summary.trials += count
        if let steps = statement.optionalInt(5) {
          summary.stepsToResult = min(summary.stepsToResult ?? steps, steps)
        }
        byCell[cell] = summary
      }
      return byCell.values.sorted { $0.cell < $1.cell }
    }
  }

  /// One trial's row, or nil for an unknown key.
  public func trial(_ key: TrialKey) throws -> TrialRecord? {
    try withConnection { db in
      let statement = try db.prepare(
        """
        SELECT \(Self.resultColumns), optimizer, batch_size, sparsity, trial_index, machine,
          run_id, started, finished
        FROM trials WHERE key = ?
        """)
      try statement.bindAll([.text(key.hex)])
      defer { statement.reset() }
      guard try statement.step() else { return nil }
      return TrialRecord(
        key: key,
        cell: CellID(
          optimizer: statement.int(7), batchSize: statement.int(8), sparsity: statement.double(9)),
        index: statement.int(10), result: Self.result(statement, from: 0),
        machine: statement.optionalString(11), runID: statement.optionalString(12),
        started: statement.optionalDouble(13).map(Date.init(timeIntervalSince1970:)),
        finished: statement.optionalDouble(14).map(Date.init(timeIntervalSince1970:)))
    }
  }

  /// One trial's curve, by step.
  public func evaluations(_ key: TrialKey) throws -> [Evaluation] {
    try withConnection { db in
      let id = try trialID(db, key)
      let statement = try db.prepare(
        """
        SELECT step, validation_error, validation_loss, training_loss, wrong, examples_seen,
          examples_total
        FROM evaluations WHERE trial = ? ORDER BY step
        """)
      try statement.bindAll([.integer(id)])
      var curve: [Evaluation] = []
      while try statement.step() {
        var counts: EvaluationCounts?
        if let wrong = statement.optionalInt(4), let seen = statement.optionalInt(5),
          let total = statement.optionalInt(6)
        {
          counts = EvaluationCounts(wrong: wrong, seen: seen, total: total)
        }
        curve.append(
          Evaluation(
            step: statement.int(0), validationError: statement.double(1),
            validationLoss: statement.double(2), trainingLoss: statement.optionalDouble(3) ?? .nan,
            counts: counts))
      }
      return curve
    }
  }

  /// The latest checkpoint of a trial, if one is kept.
  public func checkpoint(_ key: TrialKey) throws -> TrialCheckpoint? {
    try withConnection { db in
      let id = try trialID(db, key)
      let statement = try db.prepare("SELECT step, bytes FROM checkpoints WHERE trial = ?")
      try statement.bindAll([.integer(id)])
      defer { statement.reset() }
      guard try statement.step() else { return nil }
      return TrialCheckpoint(step: statement.int(0), bytes: statement.blob(1))
    }
  }

  /// Every conflict recorded, oldest first.
  public func conflicts() throws -> [ConflictRecord] {
    try withConnection { db in
      let statement = try db.prepare(
        """
        SELECT t.key, c.kind, c.state, c.steps_to_result, c.steps_run, c.best_metric, c.message,
          c.step, c.validation_error, c.validation_loss
        FROM conflicts AS c JOIN trials AS t ON t.id = c.trial ORDER BY c.id
        """)
      var records: [ConflictRecord] = []
      while try statement.step() {
        let kind = ConflictRecord.Kind(rawValue: statement.string(1)) ?? .result
        var record = ConflictRecord(
          key: TrialKey(hex: statement.string(0)), kind: kind, result: nil, evaluation: nil)
        switch kind {
        case .result:
          record.result = TrialResult(
            state: TrialState(rawValue: statement.string(2)) ?? .failed,
            stepsToResult: statement.optionalInt(3), stepsRun: statement.optionalInt(4) ?? 0,
            bestMetric: statement.optionalDouble(5), message: statement.optionalString(6))
        case .evaluation:
          record.evaluation = Evaluation(
            step: statement.int(7), validationError: statement.double(8),
            validationLoss: statement.double(9), trainingLoss: .nan)
        }
        records.append(record)
      }
      return records
    }
  }
}
