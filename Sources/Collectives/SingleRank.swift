/// The communicator of one rank alone: every collective is the identity. Training with it is
/// plain single-worker training, with no synchronisation cost.
public final class SingleRank: Communicator {
  public init() {}

  public var rank: Int { 0 }
  public var size: Int { 1 }

  public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(CollectiveError) {}
  public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(CollectiveError) {}

  public func broadcast(
    _ buffer: UnsafeMutableRawBufferPointer, root: Int
  ) throws(CollectiveError) {
    if root != 0 { throw .invalidRoot(root: root, size: 1) }
  }

  public func barrier() throws(CollectiveError) {}
}
