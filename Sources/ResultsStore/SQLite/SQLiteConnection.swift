internal import CSQLite

/// One SQLite connection with a cache of prepared statements and transactions.
///
/// Not thread-safe by itself: `ResultsStore` serialises every use behind its lock. The library is
/// opened with `SQLITE_OPEN_NOMUTEX` for that reason.
final class SQLiteConnection {
  let path: String
  private let db: OpaquePointer
  private var cache: [String: SQLiteStatement] = [:]

  /// Opens (creating if `create`) the database at `path`.
  init(path: String, create: Bool, readOnly: Bool) throws {
    var handle: OpaquePointer?
    var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
    flags |= readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
    if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
    let code = sqlite3_open_v2(path, &handle, flags, nil)
    guard code == SQLITE_OK, let handle else {
      let failure = SQLiteFailure.from(handle, code: code)
      sqlite3_close_v2(handle)
      throw failure
    }
    self.db = handle
    self.path = path
  }

  deinit {
    cache.removeAll()
    sqlite3_close_v2(db)
  }

  /// Runs one or more statements that return nothing (DDL, pragmas).
  func exec(_ sql: String) throws {
    var error: UnsafeMutablePointer<CChar>?
    let code = sqlite3_exec(db, sql, nil, nil, &error)
    if let error { sqlite3_free(error) }
    guard code == SQLITE_OK else { throw SQLiteFailure.from(db, code: code, sql: sql) }
  }

  /// A cached prepared statement, reset and with its bindings cleared.
  func prepare(_ sql: String) throws -> SQLiteStatement {
    if let statement = cache[sql] {
      statement.reset()
      return statement
    }
    let statement = try SQLiteStatement(db: db, sql: sql)
    cache[sql] = statement
    return statement
  }

  /// The first column of the first row of `sql` as an integer, or nil when there is no row.
  func scalarInt(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int? {
    try firstRow(sql, values) { $0.optionalInt(0) } ?? nil
  }

  func scalarString(_ sql: String, _ values: [SQLiteValue] = []) throws -> String? {
    try firstRow(sql, values) { $0.optionalString(0) } ?? nil
  }

  /// `read` of the first row of `sql`, or nil when there is no row.
  private func firstRow<T>(
    _ sql: String, _ values: [SQLiteValue], _ read: (SQLiteStatement) -> T
  ) throws -> T? {
    let statement = try prepare(sql)
    try statement.bindAll(values)
    defer { statement.reset() }
    guard try statement.step() else { return nil }
    return read(statement)
  }

  var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(db)) }
  var changes: Int { Int(sqlite3_changes(db)) }

  /// Runs `body` in a transaction; commits if it returns, rolls back if it throws.
  ///
  /// `IMMEDIATE` takes the write lock up front, so two processes never both read-then-write and
  /// deadlock; `busy_timeout` makes the loser wait instead of failing.
  func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
    try exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
    do {
      let value = try body()
      try exec("COMMIT")
      return value
    } catch {
      if sqlite3_get_autocommit(db) == 0 { try? exec("ROLLBACK") }
      throw error
    }
  }

  /// Sets the busy timeout in milliseconds.
  func setBusyTimeout(milliseconds: Int32) {
    sqlite3_busy_timeout(db, milliseconds)
  }
}
