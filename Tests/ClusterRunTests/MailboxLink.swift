import ClusterRun
import Foundation

/// In-process `RankLink`s: one mailbox per rank, delivered at once, for running the coordinator
/// and workers on threads. `cut(rank)` makes a rank's messages vanish both ways, as a dead
/// process's would.
final class MailboxNetwork: @unchecked Sendable {
  private let lock = NSLock()
  private var boxes: [[(source: Int, bytes: [UInt8])]]
  private var cutRanks: Set<Int> = []
  let size: Int

  init(size: Int) {
    self.size = size
    boxes = Array(repeating: [], count: size)
  }

  func link(_ rank: Int) -> MailboxLink { MailboxLink(network: self, rank: rank) }

  func cut(_ rank: Int) { lock.withLock { _ = cutRanks.insert(rank) } }

  fileprivate func deliver(_ bytes: [UInt8], from source: Int, to destination: Int) {
    lock.withLock {
      guard !cutRanks.contains(source), !cutRanks.contains(destination) else { return }
      boxes[destination].append((source, bytes))
    }
  }

  fileprivate func take(_ rank: Int, from source: Int?) -> (source: Int, bytes: [UInt8])? {
    lock.withLock {
      guard !cutRanks.contains(rank) else { return nil }
      guard let i = boxes[rank].firstIndex(where: { source == nil || $0.source == source }) else {
        return nil
      }
      return boxes[rank].remove(at: i)
    }
  }
}

final class MailboxLink: RankLink, @unchecked Sendable {
  let network: MailboxNetwork
  let rank: Int
  var size: Int { network.size }

  init(network: MailboxNetwork, rank: Int) {
    self.network = network
    self.rank = rank
  }

  func post(_ bytes: [UInt8], to destination: Int) throws(ClusterError) -> any PostedMessage {
    network.deliver(bytes, from: rank, to: destination)
    return Delivered()
  }

  func poll(from source: Int?) throws(ClusterError) -> (source: Int, bytes: [UInt8])? {
    network.take(rank, from: source)
  }
}

private final class Delivered: PostedMessage {
  func isDelivered() throws(ClusterError) -> Bool { true }
}
