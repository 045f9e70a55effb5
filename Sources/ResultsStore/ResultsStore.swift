internal import CSQLite
import Foundation

/// The embedded SQLite results store: studies, trials, curves, masks, checkpoints and runs.
///
/// One connection per instance, used behind a lock, so an instance is safe to share between the
/// scheduler's threads. Several instances (or processes) may open one file: WAL lets readers run
/// beside the single writer, `BEGIN IMMEDIATE` plus `busy_timeout` serialises writers, and leases
/// (see `StoreLedger`) keep two runs from training the same trial.
public final class ResultsStore: @unchecked Sendable {
  /// SQLite's `application_id` for Stepwise stores ("STPW"): tells a store from any other
  /// SQLite file.
  public static let applicationID: Int32 = 0x5354_5057

  public let path: String
  public let options: StoreOptions
  let connection: SQLiteConnection
  private let lock = NSLock()
  /// Trial row ids by key: keys never change row once inserted.
  var trialIDs: [TrialKeyString: Int] = [:]

  typealias TrialKeyString = String

  /// Opens the store at `path`, creating it (and migrating it to the latest schema) if needed.
  ///
  /// Throws a `StoreError` naming the file for a foreign, corrupt, newer or unwritable file.
  public convenience init(path: String, options: StoreOptions = StoreOptions()) throws {
    try self.init(path: path, options: options, migrations: Migration.all)
  }

  /// Opens with a prefix of the migration list: how tests build an older store to upgrade.
  public init(path: String, options: StoreOptions, migrations: [Migration]) throws {
    self.path = path
    self.options = options
    do {
      connection = try SQLiteConnection(
        path: path, create: !options.readOnly, readOnly: options.readOnly)
    } catch {
      throw Self.openError(error, path: path)
    }
    connection.setBusyTimeout(milliseconds: options.busyTimeoutMilliseconds)
    do {
      try prepareFile(migrations: migrations)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError.from(error, path: path)
    }
  }

  /// Runs `body` with the connection, serialised, turning SQLite failures into `StoreError`s.
  func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
    try lock.withLock {
      do {
        return try body(connection)
      } catch let error as StoreError {
        throw error
      } catch {
        throw StoreError.from(error, path: path)
      }
    }
  }

  /// The schema version of the open store.
  public func schemaVersion() throws -> Int {
    try withConnection { try $0.scalarInt("SELECT max(version) FROM migrations") ?? 0 }
  }

  /// The applied migrations, oldest first: (version, name, when).
  public func appliedMigrations() throws -> [(version: Int, name: String, applied: Date)] {
    try withConnection { db in
      let statement = try db.prepare(
        "SELECT version, name, applied FROM migrations ORDER BY version")
      var rows: [(Int, String, Date)] = []
      while try statement.step() {
        rows.append(
          (statement.int(0), statement.string(1), Date(timeIntervalSince1970: statement.double(2))))
      }
      return rows
    }
  }

  // MARK: Opening

  /// Checks the file is a Stepwise store (or empty), sets the pragmas and migrates.
  private func prepareFile(migrations: [Migration]) throws {
    let db = connection
    // The first read of the header: a non-database file fails here with SQLITE_NOTADB.
    let applicationID = try db.scalarInt("PRAGMA application_id") ?? 0
    let objects = try db.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0
    if applicationID != Int(Self.applicationID) && !(applicationID == 0 && objects == 0) {
      throw StoreError.foreign(path: path)
    }
    if options.readOnly {
      try checkVersion(db)
      return
    }
    let mode = try db.scalarString("PRAGMA journal_mode = WAL")
    if mode?.lowercased() != "wal" {
      throw StoreError.readOnly(
        path: path, reason: "cannot switch to write-ahead logging (journal mode \(mode ?? "?"))")
    }
    try db.exec(
      """
      PRAGMA foreign_keys = ON;
      PRAGMA synchronous = \(options.durability.rawValue);
      """)
    if let pages = options.maxPageCount {
      _ = try db.scalarInt("PRAGMA max_page_count = \(pages)")
    }
    try db.transaction {
      if objects == 0 {
        try db.exec("PRAGMA application_id = \(Self.applicationID)")
      }
      try db.exec(
        """
        CREATE TABLE IF NOT EXISTS migrations (
          version INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          applied REAL NOT NULL
        )
        """)
    }
    try checkVersion(db)
    try migrate(db, migrations)
  }

  private func checkVersion(_ db: SQLiteConnection) throws {
    let current = try db.scalarInt("SELECT max(version) FROM migrations") ?? 0
    if current > Migration.latestVersion {
      throw StoreError.newerSchema(path: path, found: current, supported: Migration.latestVersion)
    }
  }

  /// Applies the migrations the store has not seen, each in its own recorded transaction.
  private func migrate(_ db: SQLiteConnection, _ migrations: [Migration]) throws {
    for migration in migrations {
      try db.transaction {
        // Re-read inside the write lock: another process may have migrated meanwhile.
        let current = try db.scalarInt("SELECT max(version) FROM migrations") ?? 0
        guard migration.version > current else { return }
        try db.exec(migration.sql)
        try db.prepare("INSERT INTO migrations (version, name, applied) VALUES (?, ?, ?)")
          .execute([.integer(migration.version), .text(migration.name), .real(Self.now())])
        try db.exec("PRAGMA user_version = \(migration.version)")
      }
    }
  }

  private static func openError(_ error: Error, path: String) -> Error {
    let directory = (path as NSString).deletingLastPathComponent
    let mapped = StoreError.from(error, path: path)
    if case .cannotOpen(_, let reason)? = mapped as? StoreError {
      let dir = directory.isEmpty ? "." : directory
      if !FileManager.default.fileExists(atPath: dir) {
        return StoreError.cannotOpen(path: path, reason: "directory '\(dir)' does not exist")
      }
      if !FileManager.default.isWritableFile(atPath: dir) || access(dir, W_OK) != 0 {
        return StoreError.readOnly(path: path, reason: "directory '\(dir)' is not writable")
      }
      return StoreError.cannotOpen(path: path, reason: reason)
    }
    return mapped
  }

  static func now() -> Double { Date().timeIntervalSince1970 }
}
