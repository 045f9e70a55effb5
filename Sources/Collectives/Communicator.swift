/// A group of ranks that reduce and share flat Float buffers: the only thing data-parallel
/// training needs from its workers' transport.
///
/// Every rank calls every collective in the same order with buffers of the same length (as with
/// MPI); a collective returns on a rank once that rank's buffer holds the result. Implementations
/// must be deterministic: the sum of an all-reduce is taken in a fixed order of ranks, so a
/// result never depends on timing.
public protocol Communicator: AnyObject {
  /// This rank, in 0..<size.
  var rank: Int { get }
  /// The number of ranks.
  var size: Int { get }
  /// Replaces `buffer` on every rank with the element-wise sum over ranks.
  func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(CollectiveError)
  /// Replaces `buffer` on every rank with the element-wise sum over ranks (Double, for metrics).
  func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(CollectiveError)
  /// Copies `root`'s bytes into `buffer` on every other rank.
  func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws(CollectiveError)
  /// Returns once every rank has called it.
  func barrier() throws(CollectiveError)
}

extension Communicator {
  /// `allReduceSum` over an array.
  public func allReduceSum(_ values: inout [Float]) throws(CollectiveError) {
    try values.withUnsafeMutableBufferPointer { (buffer) throws(CollectiveError) in
      try allReduceSum(buffer)
    }
  }

  /// `allReduceSum` over an array of Doubles.
  public func allReduceSum(_ values: inout [Double]) throws(CollectiveError) {
    try values.withUnsafeMutableBufferPointer { (buffer) throws(CollectiveError) in
      try allReduceSum(buffer)
    }
  }

  /// `broadcast` of an array's bytes.
  public func broadcast<T: BitwiseCopyable>(
    _ values: inout [T], root: Int
  ) throws(CollectiveError) {
    var failure: CollectiveError?
    values.withUnsafeMutableBytes { buffer in
      do throws(CollectiveError) { try broadcast(buffer, root: root) } catch { failure = error }
    }
    if let failure { throw failure }
  }
}

/// A collective that failed: a rank gave a buffer of another length, or the transport failed.
public enum CollectiveError: Error, Equatable, Sendable, CustomStringConvertible {
  case lengthMismatch(rank: Int, expected: Int, actual: Int)
  case invalidRoot(root: Int, size: Int)
  /// The transport (MPI) returned an error code, with its message.
  case transport(operation: String, code: Int, message: String)

  public var description: String {
    switch self {
    case .lengthMismatch(let rank, let expected, let actual):
      return "collective buffer on rank \(rank) has \(actual) elements where rank 0 has "
        + "\(expected); every rank must pass the same length"
    case .invalidRoot(let root, let size):
      return "root rank \(root) is not in 0..<\(size)"
    case .transport(let operation, let code, let message):
      return "\(operation) failed with code \(code): \(message)"
    }
  }
}
