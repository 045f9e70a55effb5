/// How a results store is opened.
public struct StoreOptions: Sendable {
  /// How long a write waits for another process's write lock before failing with `.busy`.
  public var busyTimeoutMilliseconds: Int32
  /// A lease whose heartbeat is older than this is taken over (a run on another host that died).
  /// On the same host a dead holder is detected at once from its pid.
  public var leaseTimeToLiveSeconds: Double
  /// `FULL` (default) syncs the WAL at every commit, so a power loss keeps every committed
  /// evaluation and checkpoint; `NORMAL` is safe against crashes but a power loss may undo the
  /// last commits. Commits are per evaluation batch and per checkpoint (seconds apart), so FULL
  /// costs nothing measurable in a study; bulk imports may choose NORMAL.
  public var durability: Durability
  /// Caps the file at this many pages (SQLite's `max_page_count`): a quota, and how tests
  /// simulate a full disk.
  public var maxPageCount: Int?
  /// Open read-only (`stepwise status`, `report`): no migrations, no writes.
  public var readOnly: Bool

  public enum Durability: String, Sendable {
    case full = "FULL"
    case normal = "NORMAL"
  }

  public init(
    busyTimeoutMilliseconds: Int32 = 10_000, leaseTimeToLiveSeconds: Double = 60,
    durability: Durability = .full, maxPageCount: Int? = nil, readOnly: Bool = false
  ) {
    self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    self.leaseTimeToLiveSeconds = leaseTimeToLiveSeconds
    self.durability = durability
    self.maxPageCount = maxPageCount
    self.readOnly = readOnly
  }
}
