import Foundation
import Planning
import Scheduling
import StepwiseTestSupport
import Testing

@testable import ResultsStore

@Suite struct SchemaTests {
  @Test func freshStoreIsMigratedAndRecorded() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let store = try ResultsStore(path: dir.file("s.sqlite"))
    #expect(try store.schemaVersion() == Migration.latestVersion)
    let applied = try store.appliedMigrations()
    #expect(applied.map(\.version) == Migration.all.map(\.version))
    #expect(
      applied.map(\.name) == [
        "core", "leases-and-conflicts", "evaluation-counts", "probes", "plan-hash-format",
      ])
    let (journal, appID, foreignKeys, synchronous) = try store.withConnection { db in
      (
        try db.scalarString("PRAGMA journal_mode"), try db.scalarInt("PRAGMA application_id"),
        try db.scalarInt("PRAGMA foreign_keys"), try db.scalarInt("PRAGMA synchronous")
      )
    }
    #expect(journal == "wal")
    #expect(appID == Int(ResultsStore.applicationID))
    #expect(foreignKeys == 1)
    #expect(synchronous == 2)  // FULL
  }

  @Test func olderStoreIsUpgradedKeepingItsData() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let study = SyntheticStudy(seed: 2)
    let path = try olderStore(in: dir, migrations: Migration.all.prefix(1)) { old in
      #expect(try old.schemaVersion() == 1)
      let id = try old.register(study.plan, planHash: "h")
      try insertOldEvaluations(old, study.specs[0].key, [(100, 0.3), (200, 0.2)])
      let hasLeases = try old.withConnection {
        try $0.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'leases'")
      }
      #expect(hasLeases == 0)
      #expect(id.rawValue > 0)
    }
    let store = try ResultsStore(path: path)
    #expect(try store.schemaVersion() == Migration.latestVersion)
    #expect(try store.appliedMigrations().map(\.version) == Migration.all.map(\.version))
    #expect(try store.evaluations(study.specs[0].key).map(\.step) == [100, 200])
    let id = try #require(try store.study(named: study.workload.name))
    #expect(try store.readStudy(id).count == study.specs.count)
    // The old hash was taken over a retired plan format: not compared, replaced on registering.
    #expect(try store.planHash(of: id) == nil)
    #expect(try store.register(study.plan, planHash: "new") == id)
    #expect(try store.planHash(of: id) == "new")
    let ledger = StoreLedger(store: store, study: id)
    guard case .claimed = try ledger.claim(study.specs[0].key, owner: .current()) else {
      Issue.record("claim after upgrade failed")
      return
    }
  }

  @Test func newerStoreIsRefused() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let path = dir.file("new.sqlite")
    do {
      let store = try ResultsStore(path: path)
      try store.withConnection { db in
        try db.exec("INSERT INTO migrations (version, name, applied) VALUES (99, 'future', 0)")
      }
    }
    #expect(
      throws: StoreError.newerSchema(path: path, found: 99, supported: Migration.latestVersion)
    ) {
      try ResultsStore(path: path)
    }
    let message =
      "\(StoreError.newerSchema(path: path, found: 99, supported: Migration.latestVersion))"
    #expect(message.contains(path) && message.contains("upgrade Stepwise"))
  }

  @Test func corruptFileIsAClearError() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let path = dir.file("garbage.sqlite")
    let bytes = (0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    let error = try Self.expectCorrupt(path, "opened a corrupt file") {
      _ = try ResultsStore(path: path)
    }
    if let error { #expect("\(error)".contains(path)) }
    // The file is left as it was.
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
  }

  @Test func damagedStoreIsAClearError() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let path = dir.file("damaged.sqlite")
    do {
      let (store, _) = try makeStore(dir, SyntheticStudy(seed: 3), name: "damaged.sqlite")
      try store.withConnection { try $0.exec("PRAGMA wal_checkpoint(TRUNCATE)") }
    }
    // Overwrite the middle of the file: the header survives, the B-tree pages do not.
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    try handle.seek(toOffset: 4096)
    handle.write(Data(repeating: 0xA5, count: 4096 * 6))
    try handle.close()
    try Self.expectCorrupt(path, "read a damaged store without an error") {
      let store = try ResultsStore(path: path)
      let id = try #require(try store.study(named: SyntheticStudy(seed: 3).workload.name))
      _ = try store.readStudy(id)
    }
  }

  /// Runs `body`, which must throw `StoreError.corrupt` naming `path`; any other error is rethrown.
  @discardableResult
  static func expectCorrupt(
    _ path: String, _ unexpectedSuccess: Comment, _ body: () throws -> Void
  ) throws -> StoreError? {
    do {
      try body()
      Issue.record(unexpectedSuccess)
    } catch let error as StoreError {
      guard case .corrupt(let p, _) = error else {
        Issue.record("expected .corrupt, got \(error)")
        return nil
      }
      #expect(p == path)
      return error
    }
    return nil
  }

  @Test func foreignDatabaseIsRefused() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let path = dir.file("other.db")
    do {
      let other = try SQLiteConnection(path: path, create: true, readOnly: false)
      try other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    }
    #expect(throws: StoreError.foreign(path: path)) { try ResultsStore(path: path) }
    let other = try SQLiteConnection(path: path, create: false, readOnly: true)
    #expect(try other.scalarInt("SELECT count(*) FROM sqlite_schema") == 1)
  }

  @Test func unwritableDirectoryIsAClearError() throws {
    // Root ignores permission bits, so as root use a directory no one can create files in.
    let dir = try TemporaryDirectory()
    defer {
      chmod(dir.path, 0o755)
      dir.cleanUp()
    }
    let locked: String
    if geteuid() == 0 {
      locked = "/proc/1"
    } else {
      locked = dir.file("locked")
      try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
      chmod(locked, 0o555)
    }
    let path = locked + "/results.sqlite"
    do {
      _ = try ResultsStore(path: path)
      Issue.record("created a store in an unwritable directory")
    } catch let error as StoreError {
      #expect(error.path == path)
      switch error {
      case .readOnly, .cannotOpen: break
      default: Issue.record("unexpected \(error)")
      }
    }
    let missing = dir.file("no/such/dir/results.sqlite")
    #expect(
      throws: StoreError.cannotOpen(
        path: missing, reason: "directory '\(dir.file("no/such/dir"))' does not exist")
    ) { try ResultsStore(path: missing) }
  }

  @Test func fullDiskRollsBackOnlyTheLastWrite() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var study = SyntheticStudy(seed: 4)
    study.trials = 2
    let path = dir.file("full.sqlite")
    let pages: Int
    do {
      let (store, _) = try makeStore(dir, study, name: "full.sqlite")
      pages = try store.withConnection { try $0.scalarInt("PRAGMA page_count") } ?? 0
    }
    let store = try ResultsStore(
      path: path, options: StoreOptions(maxPageCount: pages + 8))
    let id = try #require(try store.study(named: study.workload.name))
    let ledger = StoreLedger(store: store, study: id)
    let key = study.specs[0].key
    var stored = 0
    var failure: Error?
    for batch in 0..<10_000 {
      let evaluations = (0..<50).map { Evaluation.at((batch * 50 + $0 + 1) * 100, 0.5) }
      do {
        try ledger.recordEvaluations(key, evaluations)
        stored += evaluations.count
      } catch {
        failure = error
        break
      }
    }
    #expect(failure as? StoreError == StoreError.diskFull(path: path))
    #expect(stored > 0)
    #expect("\(failure.map { "\($0)" } ?? "")".contains("nothing stored before it was lost"))
    // Everything committed before the failure is there, and none of the failed batch.
    let reopened = try ResultsStore(path: path)
    #expect(try reopened.evaluations(key).count == stored)
    #expect(try reopened.readStudy(id).count == study.specs.count)
  }
}
