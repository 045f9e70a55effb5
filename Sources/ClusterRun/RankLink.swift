import CollectivesMPI
import Foundation

/// Byte messages between the ranks of one communicator, never blocking: what the coordinator and
/// the workers need from MPI, behind a protocol so that tests can run them on threads.
///
/// Waiting is the caller's loop of `poll` and a short sleep: a blocking MPI receive spins its
/// core, which on a machine whose cores train would slow every trial.
public protocol RankLink: AnyObject, Sendable {
  var rank: Int { get }
  var size: Int { get }
  /// Starts sending; the returned handle tells when the bytes have left.
  func post(_ bytes: [UInt8], to destination: Int) throws(ClusterError) -> any PostedMessage
  /// The next message from `source` (nil: any), or nil if none has arrived.
  func poll(from source: Int?) throws(ClusterError) -> (source: Int, bytes: [UInt8])?
}

/// A message on its way.
public protocol PostedMessage: AnyObject {
  func isDelivered() throws(ClusterError) -> Bool
}

extension RankLink {
  /// Sends `message` and waits until it has left, at most `seconds` (nil: for ever); false when
  /// the deadline passed first (the peer is dead or hangs).
  @discardableResult
  public func send(_ message: ClusterMessage, to destination: Int, within seconds: Double? = nil)
    throws -> Bool
  {
    let posted = try post(try message.encoded(), to: destination)
    let deadline = seconds.map { Date(timeIntervalSinceNow: $0) }
    var pause: UInt32 = 20
    while try !posted.isDelivered() {
      if let deadline, Date() > deadline { return false }
      usleep(pause)
      pause = min(pause * 2, 1000)
    }
    return true
  }

  /// The next message from `source`, decoded, or nil.
  public func receive(from source: Int?) throws -> (source: Int, message: ClusterMessage)? {
    guard let (from, bytes) = try poll(from: source) else { return nil }
    return (from, try ClusterMessage(decoding: bytes))
  }

  /// Waits for the next message from `source`, sleeping between polls; nil when `seconds`
  /// passed first, or when `giveUp` says to stop waiting (checked every poll).
  public func wait(
    from source: Int?, seconds: Double, giveUp: () -> Bool = { false }
  ) throws -> (source: Int, message: ClusterMessage)? {
    let deadline = Date(timeIntervalSinceNow: seconds)
    var pause: UInt32 = 50
    while true {
      if let received = try receive(from: source) { return received }
      if Date() > deadline || giveUp() { return nil }
      usleep(pause)
      pause = min(pause * 2, 2000)
    }
  }
}

/// `RankLink` over an MPI communicator. Open MPI runs serialized (`MPI_THREAD_SERIALIZED`), so
/// one lock makes every MPI call of this process one at a time; no call blocks while holding it
/// (sends are `MPI_Isend`, receives follow a successful `MPI_Iprobe`).
public final class MPIRankLink: RankLink, @unchecked Sendable {
  public let communicator: MPICommunicator
  private let lock: NSLock

  /// `lock` must be shared by every link of the process (world and group).
  public init(_ communicator: MPICommunicator, lock: NSLock) {
    self.communicator = communicator
    self.lock = lock
  }

  public var rank: Int { communicator.rank }
  public var size: Int { communicator.size }

  public func post(_ bytes: [UInt8], to destination: Int) throws(ClusterError)
    -> any PostedMessage
  {
    lock.lock()
    defer { lock.unlock() }
    do {
      return MPIPosted(try communicator.startSend(bytes, to: destination, tag: Self.tag), lock)
    } catch {
      throw .transport(error)
    }
  }

  public func poll(from source: Int?) throws(ClusterError) -> (source: Int, bytes: [UInt8])? {
    lock.lock()
    defer { lock.unlock() }
    do {
      guard let message = try communicator.tryReceive(from: source, tag: Self.tag) else {
        return nil
      }
      return (message.source, message.bytes)
    } catch {
      throw .transport(error)
    }
  }

  /// The tag of every cluster message (collectives do not use tags).
  static let tag = 61
}

private final class MPIPosted: PostedMessage {
  let pending: PendingSend
  let lock: NSLock

  init(_ pending: PendingSend, _ lock: NSLock) {
    self.pending = pending
    self.lock = lock
  }

  func isDelivered() throws(ClusterError) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    do { return try pending.isComplete() } catch { throw .transport(error) }
  }
}
