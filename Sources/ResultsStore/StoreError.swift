internal import CSQLite

/// Why the results store cannot do what was asked. Every case names the file, so the message is
/// useful on its own; none of them is a crash, and none of them loses what was already stored.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The file cannot be opened or created (a missing or read-only directory, permissions).
  case cannotOpen(path: String, reason: String)
  /// The file is not an SQLite database, or is damaged.
  case corrupt(path: String, reason: String)
  /// A valid SQLite database that is not a Stepwise results store.
  case foreign(path: String)
  /// Written by a newer Stepwise: this one only knows the schema up to `supported`.
  case newerSchema(path: String, found: Int, supported: Int)
  /// The disk (or the store's page quota) is full: the last write was rolled back.
  case diskFull(path: String)
  /// The file or its directory is read-only, so the store cannot write (WAL needs the directory).
  case readOnly(path: String, reason: String)
  /// Another process held the write lock longer than the busy timeout.
  case busy(path: String)
  /// A trial key that no registered plan contains.
  case unknownTrial(path: String, key: String)
  /// This run's lease on a trial was taken over (its heartbeat stopped for longer than the time
  /// to live), so another run now owns it.
  case leaseLost(path: String, key: String)
  /// Any other SQLite error.
  case sqlite(path: String, code: Int32, message: String)

  public var path: String {
    switch self {
    case .cannotOpen(let path, _), .corrupt(let path, _), .foreign(let path),
      .newerSchema(let path, _, _), .diskFull(let path), .readOnly(let path, _), .busy(let path),
      .unknownTrial(let path, _), .leaseLost(let path, _), .sqlite(let path, _, _):
      return path
    }
  }

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason):
      return "cannot open results store '\(path)': \(reason)"
    case .corrupt(let path, let reason):
      return "'\(path)' is not a readable results store (\(reason)); it may be damaged or another "
        + "kind of file: restore it from a backup or choose another --store"
    case .foreign(let path):
      return "'\(path)' is an SQLite database but not a Stepwise results store; "
        + "choose another --store"
    case .newerSchema(let path, let found, let supported):
      return "results store '\(path)' has schema version \(found), newer than this Stepwise "
        + "supports (\(supported)); upgrade Stepwise to use it"
    case .diskFull(let path):
      return "results store '\(path)': the disk is full; the last write was rolled back and "
        + "nothing stored before it was lost: free space and run again"
    case .readOnly(let path, let reason):
      return "results store '\(path)' is read-only (\(reason)); the store and its directory "
        + "must be writable"
    case .busy(let path):
      return "results store '\(path)' is locked by another process for too long"
    case .unknownTrial(let path, let key):
      return "results store '\(path)' has no trial \(key.prefix(12)): register its plan first"
    case .leaseLost(let path, let key):
      return "results store '\(path)': the lease on trial \(key.prefix(12)) was taken over by "
        + "another run (this run's heartbeat stopped for too long)"
    case .sqlite(let path, let code, let message):
      return "results store '\(path)': \(message) (SQLite error \(code))"
    }
  }

  /// Classifies an SQLite failure by its primary code.
  static func from(_ error: Error, path: String) -> Error {
    guard let failure = error as? SQLiteFailure else { return error }
    switch failure.primary {
    case SQLITE_FULL: return StoreError.diskFull(path: path)
    case SQLITE_NOTADB, SQLITE_CORRUPT:
      return StoreError.corrupt(path: path, reason: failure.message)
    case SQLITE_READONLY: return StoreError.readOnly(path: path, reason: failure.message)
    case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH:
      return StoreError.cannotOpen(path: path, reason: failure.message)
    case SQLITE_BUSY, SQLITE_LOCKED: return StoreError.busy(path: path)
    default: return StoreError.sqlite(path: path, code: failure.code, message: failure.message)
    }
  }
}
