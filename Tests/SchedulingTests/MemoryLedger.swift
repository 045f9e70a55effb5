import Foundation
import Planning
import Scheduling

/// An in-memory `TrialLedger` with the store's rules (no overwrite, leases, rewind on resume),
/// so scheduler tests need no SQLite.
final class MemoryLedger: TrialLedger, @unchecked Sendable {
  private let lock = NSLock()
  private(set) var results: [TrialKey: TrialResult] = [:]
  private(set) var curves: [TrialKey: [Int: Evaluation]] = [:]
  private(set) var checkpoints: [TrialKey: TrialCheckpoint] = [:]
  private(set) var leases: [TrialKey: LeaseOwner] = [:]
  private(set) var interrupted: Set<TrialKey> = []
  private(set) var recordCalls: [TrialKey: Int] = [:]
  private(set) var conflicts: [NonDeterminism] = []
  private var cells: [TrialKey: CellID] = [:]

  init(plan: ExecutionPlan) {
    for spec in plan.trials { cells[spec.key] = spec.cell }
  }

  func snapshot() -> (results: [TrialKey: TrialResult], curves: [TrialKey: [Int: Evaluation]]) {
    lock.withLock { (results, curves) }
  }

  func finishedResults(_ keys: [TrialKey]) throws -> [TrialKey: TrialResult] {
    lock.withLock { results.filter { keys.contains($0.key) } }
  }

  func claim(_ key: TrialKey, owner: LeaseOwner) throws -> ClaimResult {
    lock.withLock {
      if let result = results[key] { return .finished(result) }
      if let holder = leases[key], holder != owner { return .held(by: holder) }
      leases[key] = owner
      let checkpoint = checkpoints[key]
      curves[key] = curves[key]?.filter { $0.key <= (checkpoint?.step ?? -1) }
      let cell = cells[key]
      let best = results.filter { cells[$0.key] == cell }.compactMap(\.value.stepsToResult).min()
      return .claimed(checkpoint: checkpoint, cellBestStep: best)
    }
  }

  func renewLeases(_ keys: [TrialKey], owner: LeaseOwner) throws {}

  func recordEvaluations(_ key: TrialKey, _ evaluations: [Evaluation]) throws {
    lock.withLock {
      guard results[key] == nil else { return }
      for e in evaluations { curves[key, default: [:]][e.step] = e }
    }
  }

  func saveCheckpoint(_ key: TrialKey, _ checkpoint: TrialCheckpoint) throws {
    lock.withLock { checkpoints[key] = checkpoint }
  }

  func recordResult(_ key: TrialKey, _ result: TrialResult, owner: LeaseOwner) throws
    -> ResultRecording
  {
    lock.withLock {
      recordCalls[key, default: 0] += 1
      leases[key] = nil
      if let existing = results[key] {
        if existing.isConsistent(with: result) { return .alreadyRecorded }
        let conflict = NonDeterminism(key: key, kept: existing, conflicting: result)
        conflicts.append(conflict)
        return .nonDeterministic(conflict)
      }
      if result.state.isFinished {
        results[key] = result
        interrupted.remove(key)
      } else {
        interrupted.insert(key)
      }
      return .recorded
    }
  }
}
