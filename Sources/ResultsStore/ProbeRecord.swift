import Foundation
import Planning

/// One landscape-probe measurement of a trial, as stored: its kind, the step, the headline value
/// (the Lipschitz estimate, or the noise scale B_simple; nil when not finite) and every other
/// number as JSON (the trainer's measurement, encoded with sorted keys).
public struct ProbeRecord: Hashable, Sendable {
  public enum Kind: String, Hashable, Sendable, CaseIterable {
    case lipschitz
    case noiseScale = "noise_scale"
  }

  public var kind: Kind
  public var step: Int
  public var value: Double?
  public var detailJSON: String
  public var seconds: Double

  public init(kind: Kind, step: Int, value: Double?, detailJSON: String, seconds: Double) {
    self.kind = kind
    self.step = step
    self.value = value.flatMap { $0.isFinite ? $0 : nil }
    self.detailJSON = detailJSON
    self.seconds = seconds
  }
}

extension ResultsStore {
  /// Stores a probe of `key` (a trial already in the store). The same step measured again (a
  /// resumed run repeating a probe a kill interrupted) replaces the row.
  public func recordProbe(_ key: TrialKey, _ record: ProbeRecord) throws {
    try withConnection { db in
      let id = try trialID(db, key)
      try db.prepare(
        """
        INSERT OR REPLACE INTO probe_measurements (trial, kind, step, value, detail_json, seconds)
        VALUES (?, ?, ?, ?, ?, ?)
        """
      ).execute([
        .integer(id), .text(record.kind.rawValue), .integer(record.step),
        record.value.map { .real($0) } ?? .null, .text(record.detailJSON), .real(record.seconds),
      ])
    }
  }

  /// Every stored probe by trial key, each trial's in (kind, step) order.
  public func probeRecords() throws -> [TrialKey: [ProbeRecord]] {
    try withConnection { db in
      let statement = try db.prepare(
        """
        SELECT t.key, p.kind, p.step, p.value, p.detail_json, p.seconds
        FROM probe_measurements p JOIN trials t ON t.id = p.trial
        ORDER BY t.key, p.kind, p.step
        """)
      var out: [TrialKey: [ProbeRecord]] = [:]
      while try statement.step() {
        guard let kind = ProbeRecord.Kind(rawValue: statement.string(1)) else { continue }
        out[TrialKey(hex: statement.string(0)), default: []].append(
          ProbeRecord(
            kind: kind, step: statement.int(2), value: statement.optionalDouble(3),
            detailJSON: statement.string(4), seconds: statement.double(5)))
      }
      return out
    }
  }
}
