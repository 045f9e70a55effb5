import Foundation

/// Who holds a trial's lease: a run of `stepwise run`, named by host, process and a random id.
///
/// The pid lets a run on the same host reclaim a lease at once when its holder has died (a
/// `kill -9`); from another host, only an expired heartbeat tells, so the lease has a time to live.
public struct LeaseOwner: Hashable, Sendable, Codable, CustomStringConvertible {
  public var host: String
  public var pid: Int32
  /// Distinguishes two schedulers in one process (tests) and a pid reused after a reboot.
  public var runID: String

  public init(host: String, pid: Int32, runID: String) {
    self.host = host
    self.pid = pid
    self.runID = runID
  }

  /// This process, with a fresh run id.
  public static func current() -> LeaseOwner {
    LeaseOwner(
      host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
      runID: UUID().uuidString.lowercased())
  }

  public var description: String { "pid \(pid) on \(host) (run \(runID.prefix(8)))" }
}
