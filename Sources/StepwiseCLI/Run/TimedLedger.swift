import Foundation
import Planning
import Scheduling

/// A ledger that forwards to another and adds up the wall time its calls take: the store's share
/// of a run, reported in the summary (docs/performance.md, "Scheduling").
///
/// Every call is made on a trial's thread (or the heartbeat thread), so time spent here is time
/// that trial did not train.
final class TimedLedger: TrialLedger, @unchecked Sendable {
  let base: any TrialLedger
  private let lock = NSLock()
  private var seconds = 0.0
  private var calls = 0

  init(_ base: any TrialLedger) { self.base = base }

  /// Seconds spent in the store and the number of calls so far.
  var totals: (seconds: Double, calls: Int) { lock.withLock { (seconds, calls) } }

  private func timed<T>(_ body: () throws -> T) rethrows -> T {
    let start = DispatchTime.now().uptimeNanoseconds
    defer {
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      lock.withLock {
        seconds += elapsed
        calls += 1
      }
    }
    return try body()
  }

  func finishedResults(_ keys: [TrialKey]) throws -> [TrialKey: TrialResult] {
    try timed { try base.finishedResults(keys) }
  }

  func claim(_ key: TrialKey, owner: LeaseOwner) throws -> ClaimResult {
    try timed { try base.claim(key, owner: owner) }
  }

  func renewLeases(_ keys: [TrialKey], owner: LeaseOwner) throws {
    try timed { try base.renewLeases(keys, owner: owner) }
  }

  func recordEvaluations(_ key: TrialKey, _ evaluations: [Evaluation]) throws {
    try timed { try base.recordEvaluations(key, evaluations) }
  }

  func saveCheckpoint(_ key: TrialKey, _ checkpoint: TrialCheckpoint) throws {
    try timed { try base.saveCheckpoint(key, checkpoint) }
  }

  func recordResult(_ key: TrialKey, _ result: TrialResult, owner: LeaseOwner) throws
    -> ResultRecording
  {
    try timed { try base.recordResult(key, result, owner: owner) }
  }
}
