import Planning

/// The scheduler's view of the results store (module `ResultsStore` implements it).
///
/// Every method is safe to call from several threads. Implementations make each call one
/// transaction, so a crash between two calls leaves a consistent store.
public protocol TrialLedger: Sendable {
  /// The finished results among `keys` (keys with no finished result are absent).
  func finishedResults(_ keys: [TrialKey]) throws -> [TrialKey: TrialResult]

  /// Takes the lease on `key` for `owner`, unless the trial is finished or leased by a live run.
  /// A lease whose holder is dead (same host, pid gone) or whose heartbeat is older than the
  /// time to live is taken over; the trial is then resumed from its latest checkpoint.
  func claim(_ key: TrialKey, owner: LeaseOwner) throws -> ClaimResult

  /// Renews the heartbeat of every lease `owner` holds on `keys`.
  func renewLeases(_ keys: [TrialKey], owner: LeaseOwner) throws

  /// Records a batch of evaluations of a leased trial in one transaction.
  func recordEvaluations(_ key: TrialKey, _ evaluations: [Evaluation]) throws

  /// Saves the latest checkpoint of a leased trial, replacing the previous one.
  func saveCheckpoint(_ key: TrialKey, _ checkpoint: TrialCheckpoint) throws

  /// Records how a trial ended and releases its lease. A finished result is never overwritten:
  /// a second finished result for the key is compared with the first, and a different one is kept
  /// apart and returned as `.nonDeterministic`.
  func recordResult(_ key: TrialKey, _ result: TrialResult, owner: LeaseOwner) throws
    -> ResultRecording
}

/// The answer to `TrialLedger.claim`.
public enum ClaimResult: Hashable, Sendable {
  /// The lease is ours; resume from the checkpoint if there is one. `cellBestStep` is the lowest
  /// steps-to-result recorded so far in the trial's cell (by any run), for exact early stop.
  case claimed(checkpoint: TrialCheckpoint?, cellBestStep: Int?)
  /// Another run finished it meanwhile.
  case finished(TrialResult)
  /// A live run holds the lease.
  case held(by: LeaseOwner)
}

/// The answer to `TrialLedger.recordResult`.
public enum ResultRecording: Hashable, Sendable {
  /// Stored (the first finished result, or an interrupted state).
  case recorded
  /// The key already had an identical (consistent) finished result; nothing changed.
  case alreadyRecorded
  /// The key already had a different finished result: the first is kept, this one is stored in
  /// the conflicts table.
  case nonDeterministic(NonDeterminism)
}

/// Two runs of the same trial key that disagree: the trainer is not deterministic (or the
/// trial's identity misses something that shapes its trajectory).
public struct NonDeterminism: Error, Hashable, Sendable, CustomStringConvertible {
  public var key: TrialKey
  public var kept: TrialResult
  public var conflicting: TrialResult

  public init(key: TrialKey, kept: TrialResult, conflicting: TrialResult) {
    self.key = key
    self.kept = kept
    self.conflicting = conflicting
  }

  public var description: String {
    "non-deterministic trial \(key.short): stored \(Self.describe(kept)), "
      + "this run \(Self.describe(conflicting)); the stored result is kept"
  }

  private static func describe(_ r: TrialResult) -> String {
    switch r.state {
    case .reached: return "reached at step \(r.stepsToResult ?? -1)"
    default: return "\(r.state.rawValue) after \(r.stepsRun) steps"
    }
  }
}
