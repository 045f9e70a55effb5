import Collectives
import Foundation

/// Runs `body(rank communicator)` on `size` threads at once and waits for all of them.
public func onThreads(_ size: Int, _ body: @escaping @Sendable (ThreadCommunicator) -> Void) {
  let group = ThreadCommunicator.group(size: size)
  let done = DispatchGroup()
  for comm in group {
    done.enter()
    let thread = Thread {
      body(comm)
      done.leave()
    }
    thread.start()
  }
  done.wait()
}

/// `body` on `size` thread ranks at once: every rank's result in rank order, or the first
/// rank's error.
public func resultsOnThreads<T>(
  _ size: Int, _ body: @escaping @Sendable (ThreadCommunicator) throws -> T
) throws -> [T] {
  let results = RankResults<T>(count: size)
  let group = ThreadCommunicator.group(size: size)
  let done = DispatchGroup()
  for (rank, comm) in group.enumerated() {
    done.enter()
    Thread {
      results.set(rank, Result { try body(comm) })
      done.leave()
    }.start()
  }
  done.wait()
  return try (0..<size).map { try results.get($0) }
}

/// Results written from several threads.
final class RankResults<T>: @unchecked Sendable {
  struct Missing: Error, CustomStringConvertible {
    var rank: Int
    var description: String { "rank \(rank) gave nothing" }
  }

  private let lock = NSLock()
  private var values: [Result<T, any Error>?]
  init(count: Int) { values = Array(repeating: nil, count: count) }
  func set(_ i: Int, _ r: Result<T, any Error>) { lock.withLock { values[i] = r } }
  func get(_ i: Int) throws -> T {
    guard let r = lock.withLock({ values[i] }) else { throw Missing(rank: i) }
    return try r.get()
  }
}
