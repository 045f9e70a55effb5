internal import CSQLite

/// An SQLite error code with its message, before it is turned into a `StoreError` that names the
/// store file.
struct SQLiteFailure: Error, CustomStringConvertible {
  /// The extended result code.
  var code: Int32
  var message: String
  /// The statement that failed, when there was one.
  var sql: String?

  /// The primary result code (`SQLITE_FULL`, `SQLITE_NOTADB`, ...).
  var primary: Int32 { code & 0xff }

  var description: String {
    "\(message) (SQLite error \(code))" + (sql.map { " in: \($0.prefix(80))" } ?? "")
  }

  static func from(_ db: OpaquePointer?, code: Int32, sql: String? = nil) -> SQLiteFailure {
    let extended = db.map { sqlite3_extended_errcode($0) } ?? code
    let message =
      db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
      ?? String(cString: sqlite3_errstr(code))
    return SQLiteFailure(code: extended == 0 ? code : extended, message: message, sql: sql)
  }
}
