import Foundation
import Planning
import Scheduling

/// One trial's row, for `status` and tests.
public struct TrialRecord: Hashable, Sendable {
  public var key: TrialKey
  public var cell: CellID
  public var index: Int
  public var result: TrialResult
  public var machine: String?
  public var runID: String?
  public var started: Date?
  public var finished: Date?
}

/// A second result (or curve point) for a finished trial that disagreed with the first.
public struct ConflictRecord: Hashable, Sendable {
  public enum Kind: String, Sendable { case result, evaluation }
  public var key: TrialKey
  public var kind: Kind
  /// For `.result`: the conflicting result.
  public var result: TrialResult?
  /// For `.evaluation`: the conflicting point.
  public var evaluation: Evaluation?
}
