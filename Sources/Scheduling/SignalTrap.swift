import Foundation

/// The write end of the trap's pipe: all a signal handler may touch (async-signal-safe write).
nonisolated(unsafe) private var trapPipeWriteEnd: Int32 = -1

private func trapHandler(_ number: Int32) {
  var byte = UInt8(truncatingIfNeeded: number)
  _ = write(trapPipeWriteEnd, &byte, 1)
}

/// Turns SIGINT and SIGTERM into a callback on an ordinary thread, so a run can checkpoint and
/// stop cleanly; a second signal restores the default action and re-raises it, so a stuck run
/// still dies on a second Ctrl-C.
///
/// A self-pipe: the C handler only writes one byte (async-signal-safe), and a watcher thread
/// turns it into the callback, where locks and allocation are allowed. One trap at a time per
/// process.
public final class SignalTrap: @unchecked Sendable {
  private let signals: [Int32]
  private var readEnd: Int32 = -1
  private var writeEnd: Int32 = -1
  private let lock = NSLock()
  private var cancelled = false

  public init(signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
    self.signals = signals
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return }
    readEnd = fds[0]
    writeEnd = fds[1]
    trapPipeWriteEnd = writeEnd
    let readEnd = self.readEnd
    let watcher = Thread {
      var received = 0
      var byte: UInt8 = 0
      while read(readEnd, &byte, 1) == 1 {
        received += 1
        let number = Int32(byte)
        if received > 1 {
          signal(number, SIG_DFL)
          raise(number)
        } else {
          handler(number)
        }
      }
      close(readEnd)
    }
    watcher.start()
    for number in signals { signal(number, trapHandler) }
  }

  /// Stops trapping, restores the default actions and ends the watcher thread.
  public func cancel() {
    let first = lock.withLock {
      defer { cancelled = true }
      return !cancelled
    }
    guard first else { return }
    for number in signals { signal(number, SIG_DFL) }
    if writeEnd >= 0 {
      if trapPipeWriteEnd == writeEnd { trapPipeWriteEnd = -1 }
      close(writeEnd)
    }
  }

  deinit { cancel() }
}
