extension Migration {
  /// Landscape probes (Lipschitz smoothness, gradient noise scale), per trial and step. A probe
  /// is recorded when it ends, so a kill during one loses only that one; the resumed run measures
  /// the same step again and replaces the row with the same values.
  static let probes = Migration(
    version: 4, name: "probes",
    sql: """
      CREATE TABLE probe_measurements (
        trial INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('lipschitz', 'noise_scale')),
        step INTEGER NOT NULL,
        value REAL,
        detail_json TEXT NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (trial, kind, step)
      ) WITHOUT ROWID;
      """)
}
