import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a callback, so a run can checkpoint and stop cleanly; a second
/// signal restores the default action and re-raises it, so a stuck run still dies on Ctrl-C.
public final class SignalTrap: @unchecked Sendable {
  private var sources: [DispatchSourceSignal] = []
  private let signals: [Int32]
  private let lock = NSLock()
  private var received = 0

  public init(signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
    self.signals = signals
    for number in signals {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { [weak self] in
        guard let self else { return }
        let count = self.lock.withLock {
          self.received += 1
          return self.received
        }
        if count > 1 {
          signal(number, SIG_DFL)
          raise(number)
        } else {
          handler(number)
        }
      }
      source.resume()
      sources.append(source)
    }
  }

  /// Stops trapping and restores the default actions.
  public func cancel() {
    for source in sources { source.cancel() }
    sources.removeAll()
    for number in signals { signal(number, SIG_DFL) }
  }

  deinit { cancel() }
}
