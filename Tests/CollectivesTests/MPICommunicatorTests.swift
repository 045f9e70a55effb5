import CollectivesMPI
import Foundation
import StepwiseTestSupport
import Testing

@testable import Collectives

/// Open MPI across processes. The launcher test starts this test binary under
/// `mpirun --allow-run-as-root --oversubscribe -np N`, filtered to `rankBody`, which only runs
/// inside a rank (`OMPI_COMM_WORLD_SIZE` set). Skipped when `mpirun` is not installed.
@Suite(.serialized) struct MPICommunicatorTests {
  static let mpirun = MPITestLaunch.mpirun
  static var insideRank: Bool { MPIRuntime.isLaunchedByMPI }

  @Test(.enabled(if: mpirun != nil && !insideRank), arguments: [2, 3])
  func ranksAgreeUnderMPIRun(ranks: Int) throws {
    let binary = try #require(Self.testBinary())
    let (status, text) = try MPITestLaunch.run(
      mpirun: try #require(Self.mpirun), ranks: ranks, binary: binary,
      filter: "MPICommunicatorTests/rankBody",
      environment: ["OMPI_MCA_btl_vader_single_copy_mechanism": "none"])
    #expect(status == 0, "\(text)")
    // Each rank prints one line when its checks pass.
    let passed = text.split(separator: "\n").filter { $0.contains("MPI rank check passed") }
    #expect(passed.count == ranks, "\(text)")
  }

  /// The test binary (`swift test` runs it as argv[0] on Linux).
  static func testBinary() -> String? {
    let path = CommandLine.arguments.first ?? ""
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }

  @Test(.enabled(if: insideRank))
  func rankBody() throws {
    let world = try MPIRuntime.world()
    defer { MPIRuntime.finalize() }
    let size = world.size
    let rank = world.rank
    // All-reduce in place: every rank ends with the sum.
    var values = (0..<1000).map { Float($0 + rank * 1000) }
    try world.allReduceSum(&values)
    let expected = (0..<1000).map { i in
      (0..<size).reduce(Float(0)) { $0 + Float(i + $1 * 1000) }
    }
    #expect(values == expected)
    var sums = [Double(rank) + 0.5]
    try world.allReduceSum(&sums)
    #expect(sums[0] == Double(size * (size - 1)) / 2 + 0.5 * Double(size))
    // Broadcast from the last rank.
    var message: [Int64] = rank == size - 1 ? [7, 8, 9] : [0, 0, 0]
    try world.broadcast(&message, root: size - 1)
    #expect(message == [7, 8, 9])
    // Sub-communicators: even and odd ranks.
    let group = try world.split(color: rank % 2, key: rank)
    var ones: [Float] = [1]
    try group.allReduceSum(&ones)
    #expect(Int(ones[0]) == (0..<size).filter { $0 % 2 == rank % 2 }.count)
    #expect(group.rank == rank / 2)
    // Point to point: rank 0 hands each other rank a message of a different length, and gets
    // an answer back.
    if rank == 0 {
      for peer in 1..<size {
        try world.send(Array(repeating: UInt8(peer), count: 100 * peer), to: peer, tag: 5)
      }
      var answers: [Int: [UInt8]] = [:]
      for _ in 1..<size {
        let reply = try world.receive(tag: 6)
        answers[reply.source] = reply.bytes
      }
      for peer in 1..<size { #expect(answers[peer] == [UInt8(peer), 0xAB]) }
    } else {
      let job = try world.receive(from: 0)
      #expect(job.tag == 5 && job.bytes.count == 100 * rank)
      try world.send([job.bytes[0], 0xAB], to: 0, tag: 6)
    }
    // Without blocking: every rank posts a message to rank 0, which polls until all arrived;
    // nothing is waiting under another tag. All ranks of the test run on this machine.
    let machine = try world.splitByMachine()
    #expect(machine.size == size)
    if rank == 0 {
      var seen = Set<Int>()
      while seen.count < size - 1 {
        if let message = try world.tryReceive(tag: 8) {
          #expect(message.bytes == Array(repeating: UInt8(message.source), count: 3000))
          seen.insert(message.source)
        } else {
          usleep(100)
        }
      }
    } else {
      let pending = try world.startSend(
        Array(repeating: UInt8(rank), count: 3000), to: 0, tag: 8)
      while try !pending.isComplete() { usleep(100) }
    }
    #expect(try world.tryReceive(tag: 99) == nil)
    try world.barrier()
    print("MPI rank check passed: rank \(rank) of \(size)")
  }
}
