internal import CSQLite

/// A prepared statement: bind by 1-based index, step, read columns by 0-based index.
///
/// Not thread-safe; it belongs to its connection, which serialises access.
final class SQLiteStatement {
  private let handle: OpaquePointer
  private let db: OpaquePointer
  let sql: String

  init(db: OpaquePointer, sql: String) throws {
    var statement: OpaquePointer?
    let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
    guard code == SQLITE_OK, let statement else {
      throw SQLiteFailure.from(db, code: code, sql: sql)
    }
    self.handle = statement
    self.db = db
    self.sql = sql
  }

  deinit { sqlite3_finalize(handle) }

  /// Clears the previous bindings and run, ready for new ones.
  func reset() {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  func bind(_ index: Int32, _ value: Int?) throws {
    try check(
      value.map { sqlite3_bind_int64(handle, index, Int64($0)) } ?? sqlite3_bind_null(handle, index)
    )
  }

  func bind(_ index: Int32, _ value: Double?) throws {
    try check(
      value.map { sqlite3_bind_double(handle, index, $0) } ?? sqlite3_bind_null(handle, index))
  }

  func bind(_ index: Int32, _ value: String?) throws {
    guard let value else { return try check(sqlite3_bind_null(handle, index)) }
    try check(sqlite3_bind_text(handle, index, value, -1, SQLiteStatement.transient))
  }

  func bind(_ index: Int32, blob: [UInt8]?) throws {
    guard let blob else { return try check(sqlite3_bind_null(handle, index)) }
    let code = blob.withUnsafeBytes { raw in
      sqlite3_bind_blob64(
        handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(raw.count),
        SQLiteStatement.transient)
    }
    try check(code)
  }

  /// Binds several values in order from index 1.
  func bindAll(_ values: [SQLiteValue]) throws {
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      switch value {
      case .null: try check(sqlite3_bind_null(handle, index))
      case .integer(let v): try bind(index, v)
      case .real(let v): try bind(index, v)
      case .text(let v): try bind(index, v)
      case .blob(let v): try bind(index, blob: v)
      }
    }
  }

  /// Advances; true while a row is available.
  @discardableResult
  func step() throws -> Bool {
    let code = sqlite3_step(handle)
    switch code {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default:
      let failure = SQLiteFailure.from(db, code: code, sql: sql)
      sqlite3_reset(handle)
      throw failure
    }
  }

  /// Runs a statement that returns no rows, with fresh bindings.
  func execute(_ values: [SQLiteValue] = []) throws {
    reset()
    try bindAll(values)
    try step()
    sqlite3_reset(handle)
  }

  func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
  func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
  func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
  func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
  func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }

  func string(_ column: Int32) -> String {
    guard let text = sqlite3_column_text(handle, column) else { return "" }
    return String(cString: text)
  }

  func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

  func blob(_ column: Int32) -> [UInt8] {
    let count = Int(sqlite3_column_bytes(handle, column))
    guard count > 0, let base = sqlite3_column_blob(handle, column) else { return [] }
    return Array(UnsafeRawBufferPointer(start: base, count: count))
  }

  private func check(_ code: Int32) throws {
    guard code == SQLITE_OK else { throw SQLiteFailure.from(db, code: code, sql: sql) }
  }

  /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the bind returns.
  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A value to bind, for statements bound from a list.
enum SQLiteValue {
  case null
  case integer(Int)
  case real(Double)
  case text(String)
  case blob([UInt8])
}
