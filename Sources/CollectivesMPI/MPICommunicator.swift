internal import CMPI
import Collectives

/// A `Communicator` over an Open MPI communicator: the world, or a data-parallel group split off
/// it. All-reduce is `MPI_Allreduce` with `MPI_IN_PLACE` (Open MPI picks its algorithm from the
/// message and group size, so for one size and buffer length the summation order is fixed and the
/// result reproducible; it need not equal `ThreadCommunicator`'s order bit for bit).
///
/// Point-to-point byte messages (`send`, `receive`) let rank 0 act as a coordinator that hands
/// trials to the other ranks.
public final class MPICommunicator: Communicator {
  let handle: MPI_Comm
  private let owned: Bool
  public let rank: Int
  public let size: Int

  init(handle: MPI_Comm, owned: Bool) throws(CollectiveError) {
    self.handle = handle
    self.owned = owned
    var rank: Int32 = 0
    var size: Int32 = 0
    try MPIRuntime.check(MPI_Comm_rank(handle, &rank), "MPI_Comm_rank")
    try MPIRuntime.check(MPI_Comm_size(handle, &size), "MPI_Comm_size")
    self.rank = Int(rank)
    self.size = Int(size)
  }

  deinit {
    if owned {
      var comm: MPI_Comm? = handle
      MPI_Comm_free(&comm)
    }
  }

  /// The ranks' largest single-call count; longer buffers go in pieces.
  private static let chunk = 1 << 30

  public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(CollectiveError) {
    try reduce(
      UnsafeMutableRawPointer(buffer.baseAddress), buffer.count, stride: 4, stepwise_mpi_float())
  }

  public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(CollectiveError) {
    try reduce(
      UnsafeMutableRawPointer(buffer.baseAddress), buffer.count, stride: 8, stepwise_mpi_double())
  }

  private func reduce(
    _ base: UnsafeMutableRawPointer?, _ count: Int, stride: Int, _ type: MPI_Datatype
  ) throws(CollectiveError) {
    guard let base, count > 0 else { return }
    var offset = 0
    while offset < count {
      let n = min(Self.chunk, count - offset)
      try MPIRuntime.check(
        MPI_Allreduce(
          stepwise_mpi_in_place(), base + offset * stride, Int32(n), type, stepwise_mpi_sum(),
          handle),
        "MPI_Allreduce")
      offset += n
    }
  }

  public func broadcast(
    _ buffer: UnsafeMutableRawBufferPointer, root: Int
  ) throws(CollectiveError) {
    guard (0..<size).contains(root) else { throw .invalidRoot(root: root, size: size) }
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    var offset = 0
    while offset < buffer.count {
      let n = min(Self.chunk, buffer.count - offset)
      try MPIRuntime.check(
        MPI_Bcast(base + offset, Int32(n), stepwise_mpi_byte(), Int32(root), handle), "MPI_Bcast")
      offset += n
    }
  }

  public func barrier() throws(CollectiveError) {
    try MPIRuntime.check(MPI_Barrier(handle), "MPI_Barrier")
  }

  /// A sub-communicator of the ranks that pass the same `color`, ordered by `key` (then by rank
  /// here): `MPI_Comm_split`. Every rank of this communicator must call it.
  public func split(color: Int, key: Int) throws(CollectiveError) -> MPICommunicator {
    var child: MPI_Comm? = nil
    try MPIRuntime.check(
      MPI_Comm_split(handle, Int32(color), Int32(key), &child), "MPI_Comm_split")
    guard let child else {
      throw .transport(operation: "MPI_Comm_split", code: -1, message: "no communicator")
    }
    return try MPICommunicator(handle: child, owned: true)
  }

  /// Sends `bytes` to rank `destination` with `tag` (blocking, `MPI_Send`).
  public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(CollectiveError) {
    guard bytes.count <= Int(Int32.max) else {
      throw .transport(operation: "MPI_Send", code: -1, message: "message over 2 GiB")
    }
    let code = bytes.withUnsafeBytes { raw in
      MPI_Send(
        raw.baseAddress, Int32(bytes.count), stepwise_mpi_byte(), Int32(destination), Int32(tag),
        handle)
    }
    try MPIRuntime.check(code, "MPI_Send")
  }

  /// A received message: who sent it, its tag and its bytes.
  public struct Message: Sendable, Equatable {
    public var source: Int
    public var tag: Int
    public var bytes: [UInt8]
  }

  /// Receives the next message from `source` (nil: any rank) with `tag` (nil: any tag),
  /// blocking; the size comes from `MPI_Probe`, so messages of any length arrive whole.
  public func receive(
    from source: Int? = nil, tag: Int? = nil
  ) throws(CollectiveError) -> Message {
    var status = MPI_Status()
    let from = source.map(Int32.init) ?? stepwise_mpi_any_source()
    let wanted = tag.map(Int32.init) ?? stepwise_mpi_any_tag()
    try MPIRuntime.check(MPI_Probe(from, wanted, handle, &status), "MPI_Probe")
    var count: Int32 = 0
    try MPIRuntime.check(MPI_Get_count(&status, stepwise_mpi_byte(), &count), "MPI_Get_count")
    var bytes = [UInt8](repeating: 0, count: Int(count))
    let sender = status.MPI_SOURCE
    let senderTag = status.MPI_TAG
    let code = bytes.withUnsafeMutableBytes { raw in
      MPI_Recv(
        raw.baseAddress, count, stepwise_mpi_byte(), sender, senderTag, handle,
        stepwise_mpi_status_ignore())
    }
    try MPIRuntime.check(code, "MPI_Recv")
    return Message(source: Int(sender), tag: Int(senderTag), bytes: bytes)
  }
}

extension MPICommunicator {
  /// The ranks of this communicator that share this machine's memory (one node):
  /// `MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)`. Every rank must call it. Unlike Open MPI's
  /// `OMPI_COMM_WORLD_LOCAL_SIZE`, this also holds when Slurm's `srun` started the ranks.
  public func splitByMachine() throws(CollectiveError) -> MPICommunicator {
    var child: MPI_Comm? = nil
    try MPIRuntime.check(
      MPI_Comm_split_type(
        handle, stepwise_mpi_comm_type_shared(), Int32(rank), stepwise_mpi_info_null(), &child),
      "MPI_Comm_split_type")
    guard let child else {
      throw .transport(operation: "MPI_Comm_split_type", code: -1, message: "no communicator")
    }
    return try MPICommunicator(handle: child, owned: true)
  }

  /// The next message from `source` (nil: any rank) with `tag` (nil: any tag) if one has
  /// arrived, else nil at once (`MPI_Iprobe`). A caller that waits in a loop of this and a short
  /// sleep leaves its core free, where a blocking `MPI_Probe` spins on it.
  public func tryReceive(from source: Int? = nil, tag: Int? = nil) throws(CollectiveError)
    -> Message?
  {
    var status = MPI_Status()
    var flag: Int32 = 0
    let from = source.map(Int32.init) ?? stepwise_mpi_any_source()
    let wanted = tag.map(Int32.init) ?? stepwise_mpi_any_tag()
    try MPIRuntime.check(MPI_Iprobe(from, wanted, handle, &flag, &status), "MPI_Iprobe")
    if flag == 0 { return nil }
    return try receive(from: Int(status.MPI_SOURCE), tag: Int(status.MPI_TAG))
  }

  /// Starts sending `bytes` to `destination` without waiting (`MPI_Isend`); the returned send
  /// owns the bytes until `isComplete` says they are gone. A sender that must not hang on a peer
  /// that died polls it with a deadline.
  public func startSend(_ bytes: [UInt8], to destination: Int, tag: Int) throws(CollectiveError)
    -> PendingSend
  {
    guard bytes.count <= Int(Int32.max) else {
      throw .transport(operation: "MPI_Isend", code: -1, message: "message over 2 GiB")
    }
    let pending = PendingSend(bytes)
    let code = MPI_Isend(
      pending.buffer.baseAddress, Int32(bytes.count), stepwise_mpi_byte(), Int32(destination),
      Int32(tag), handle, &pending.request)
    try MPIRuntime.check(code, "MPI_Isend")
    return pending
  }
}

/// A send in flight (`MPI_Isend`). Its buffer is its own copy, so it stays valid however long
/// the receiver takes; it is freed only once MPI is done with it (a send to a dead rank is never
/// done, and its few bytes are left to the process's end rather than freed under MPI).
public final class PendingSend: @unchecked Sendable {
  fileprivate let buffer: UnsafeMutableRawBufferPointer
  fileprivate var request: MPI_Request?
  private var done = false

  fileprivate init(_ bytes: [UInt8]) {
    buffer = .allocate(byteCount: max(1, bytes.count), alignment: 16)
    bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
  }

  /// Whether the message has left (`MPI_Test`); after true, the buffer is released.
  public func isComplete() throws(CollectiveError) -> Bool {
    if done { return true }
    var flag: Int32 = 0
    try MPIRuntime.check(MPI_Test(&request, &flag, stepwise_mpi_status_ignore()), "MPI_Test")
    if flag != 0 {
      done = true
      buffer.deallocate()
    }
    return done
  }
}
