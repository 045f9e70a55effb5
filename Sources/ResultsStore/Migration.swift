/// One step of the schema's history. Migrations run in order, each in its own transaction, and
/// each is recorded in the `migrations` table; a shipped migration is never edited, only
/// followed by a new one.
public struct Migration: Sendable {
  public var version: Int
  public var name: String
  var sql: String

  /// Every migration this Stepwise knows, oldest first.
  public static let all: [Migration] = [
    core, leasesAndConflicts, evaluationCounts, probes, planHashFormat,
  ]

  /// The newest schema version this Stepwise reads and writes.
  public static var latestVersion: Int { all.last?.version ?? 0 }

  /// Studies, trials, curves, masks, checkpoints, runs, settings.
  ///
  /// Curves and checkpoints refer to trials by their integer row id rather than the 64-digit key:
  /// a curve row is then about 40 bytes instead of 100, and the bulk read walks one B-tree in
  /// trial order (`evaluations` is `WITHOUT ROWID`, clustered on `(trial, step)`).
  static let core = Migration(
    version: 1, name: "core",
    sql: """
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        workload_json TEXT NOT NULL,
        plan_hash TEXT NOT NULL,
        plan_format INTEGER NOT NULL,
        created REAL NOT NULL,
        updated REAL NOT NULL
      );
      CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        optimizer INTEGER NOT NULL,
        batch_size INTEGER NOT NULL,
        sparsity REAL NOT NULL,
        trial_index INTEGER NOT NULL,
        metaparameters_json TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'running', 'reached',
          'not-reached', 'dominated', 'diverged', 'failed', 'interrupted')),
        steps_to_result INTEGER CHECK ((state = 'reached') = (steps_to_result IS NOT NULL)),
        steps_run INTEGER NOT NULL DEFAULT 0,
        max_steps INTEGER NOT NULL,
        best_metric REAL,
        message TEXT,
        started REAL,
        finished REAL,
        wall_seconds REAL NOT NULL DEFAULT 0,
        examples_per_second REAL,
        machine TEXT,
        trainer_version INTEGER NOT NULL,
        run_id TEXT,
        spec_json TEXT NOT NULL
      );
      CREATE INDEX trials_by_cell ON trials (optimizer, sparsity, batch_size, state);
      CREATE TABLE study_trials (
        study INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        trial INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        in_plan INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (study, trial)
      ) WITHOUT ROWID;
      CREATE INDEX study_trials_by_trial ON study_trials (trial);
      CREATE TABLE evaluations (
        trial INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        validation_error REAL NOT NULL,
        validation_loss REAL NOT NULL,
        training_loss REAL,
        PRIMARY KEY (trial, step)
      ) WITHOUT ROWID;
      CREATE TABLE masks (
        key TEXT PRIMARY KEY,
        sparsity REAL NOT NULL,
        method TEXT NOT NULL,
        parameter_count INTEGER NOT NULL,
        layer_density_json TEXT NOT NULL,
        bits BLOB NOT NULL,
        created REAL NOT NULL
      );
      CREATE TABLE checkpoints (
        trial INTEGER PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        saved REAL NOT NULL
      );
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        study INTEGER REFERENCES studies (id),
        machine TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        stepwise_version TEXT NOT NULL,
        trainer_version INTEGER,
        jobs INTEGER NOT NULL,
        workers INTEGER NOT NULL,
        started REAL NOT NULL,
        ended REAL,
        status TEXT NOT NULL DEFAULT 'running',
        trials_finished INTEGER,
        steps_run INTEGER,
        steps_saved INTEGER,
        examples_per_second REAL,
        wall_seconds REAL
      );
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      """)

  /// Leases, so two runs on one store never train the same trial, and conflicts, where a second,
  /// different result for a finished trial is kept instead of overwriting the first.
  static let leasesAndConflicts = Migration(
    version: 2, name: "leases-and-conflicts",
    sql: """
      CREATE TABLE leases (
        trial INTEGER PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE,
        run_id TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        acquired REAL NOT NULL,
        heartbeat REAL NOT NULL
      );
      CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY,
        trial INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('result', 'evaluation')),
        recorded REAL NOT NULL,
        run_id TEXT,
        state TEXT,
        steps_to_result INTEGER,
        steps_run INTEGER,
        best_metric REAL,
        message TEXT,
        step INTEGER,
        validation_error REAL,
        validation_loss REAL
      );
      CREATE INDEX conflicts_by_trial ON conflicts (trial);
      """)

  /// Each curve point's counts, so that every reader tests the goal exactly (wrong answers
  /// against floor(g * N)) and an evaluation cut short by early exit is stored as what it is: a
  /// lower bound, `examples_seen < examples_total`.
  ///
  /// Points stored before this migration were full evaluations, and their error was computed
  /// as `1 - correct / N` in Double. N is the trial's validation holdout (in `spec_json`), and
  /// `error * N` is then within about 4e-16 * N of the integer `N - correct` (two roundings of
  /// relative size 2^-53 each), far below 0.5 for any split that fits in memory, so
  /// `round(error * N)` recovers the count exactly. Rows where the product is not within 1e-6 of
  /// an integer (a store written by something else) keep NULL counts, and readers fall back to
  /// comparing the stored error.
  static let evaluationCounts = Migration(
    version: 3, name: "evaluation-counts",
    sql: """
      ALTER TABLE evaluations ADD COLUMN wrong INTEGER;
      ALTER TABLE evaluations ADD COLUMN examples_seen INTEGER;
      ALTER TABLE evaluations ADD COLUMN examples_total INTEGER;
      UPDATE evaluations SET examples_total = (
        SELECT json_extract(t.spec_json, '$.dataset.validation.holdout') FROM trials AS t
        WHERE t.id = evaluations.trial);
      UPDATE evaluations
        SET wrong = CAST(round(validation_error * examples_total) AS INTEGER),
          examples_seen = examples_total
        WHERE examples_total > 0
          AND abs(validation_error * examples_total - round(validation_error * examples_total))
            < 1e-6;
      UPDATE evaluations SET examples_total = NULL WHERE wrong IS NULL;
      ALTER TABLE conflicts ADD COLUMN wrong INTEGER;
      ALTER TABLE conflicts ADD COLUMN examples_seen INTEGER;
      """)

  /// `plan_format` now says which saved-plan format a study's `plan_hash` was taken over. Every
  /// hash written before this migration was taken over format 1 bytes (whatever format plan
  /// files were written in), and format 1 is no longer encoded, so those hashes cannot be
  /// compared with a plan of today: they are marked as format 1, a saved plan is not checked
  /// against them, and the study's next registration (its next `stepwise run`) replaces them with
  /// the hash of the current format.
  static let planHashFormat = Migration(
    version: 5, name: "plan-hash-format",
    sql: """
      UPDATE studies SET plan_format = 1;
      """)
}
