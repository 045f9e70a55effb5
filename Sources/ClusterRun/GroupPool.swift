import Foundation

/// Which groups are idle, training or lost, for rank 0's scheduler threads: a thread checks a
/// group out for one trial and back in after it (or marks it lost).
final class GroupPool: @unchecked Sendable {
  private let condition = NSCondition()
  private var idle: [TrainingGroup]
  private var lost: [TrainingGroup] = []
  private var busy = 0

  init(_ groups: [TrainingGroup]) { idle = groups }

  /// An idle group, waiting while all live ones train; nil when every group is lost.
  func checkOut() -> TrainingGroup? {
    condition.withLock {
      while idle.isEmpty && busy > 0 { condition.wait() }
      guard !idle.isEmpty else { return nil }
      busy += 1
      return idle.removeFirst()
    }
  }

  func checkIn(_ group: TrainingGroup) {
    condition.withLock {
      busy -= 1
      idle.append(group)
      condition.broadcast()
    }
  }

  /// A checked-out group that stopped answering: never handed out again.
  func markLost(_ group: TrainingGroup) {
    condition.withLock {
      busy -= 1
      lost.append(group)
      condition.broadcast()
    }
  }

  /// Removes idle groups that `isDead` condemns (keepalive's check); returns them.
  func removeIdle(where isDead: (TrainingGroup) -> Bool) -> [TrainingGroup] {
    condition.withLock {
      let dead = idle.filter(isDead)
      guard !dead.isEmpty else { return [] }
      idle.removeAll { g in dead.contains(g) }
      lost.append(contentsOf: dead)
      condition.broadcast()
      return dead
    }
  }

  var idleGroups: [TrainingGroup] { condition.withLock { idle } }
  var lostGroups: [TrainingGroup] { condition.withLock { lost.sorted { $0.index < $1.index } } }
}
