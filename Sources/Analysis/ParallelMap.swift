import Dispatch
import Foundation

extension Array where Element: Sendable {
  /// `map` spread over the machine's cores, results in order. Used for independent, coarse work
  /// (one curve's bootstrap, one report file), where the cost of a thread hop is negligible.
  /// Errors travel in the results (`Result`), so the transform itself does not throw.
  public func parallelMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
    guard count > 1 else { return map(transform) }
    let slots = ResultSlots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, transform(self[i])) }
    let results = slots.values.compactMap { $0 }
    precondition(results.count == count, "concurrentPerform skipped an iteration")
    return results
  }
}

/// Slots written once each from concurrent iterations, read after all of them finished.
private final class ResultSlots<T>: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var values: [T?]

  init(count: Int) { values = Array(repeating: nil, count: count) }

  func set(_ i: Int, _ value: T) {
    lock.lock()
    values[i] = value
    lock.unlock()
  }
}
