import Crypto
import Foundation
import Testing

@testable import Datasets

/// MT19937 draws, Lee et al.'s split and the stream's epoch orders against NumPy's legacy
/// `RandomState` (fixture written by `scripts/gen_split_fixture.py`).
@Suite struct SplitFixtureTests {
  struct Fixture: Decodable {
    struct Permutation: Decodable {
      var seed: UInt64
      var count: Int
      var first: [Int]
      var last: [Int]?
      var sha256: String
    }
    struct Raw: Decodable {
      var seed: UInt64
      var first: [UInt32]
    }
    var splits: [Permutation]
    var stream: [Permutation]
    var raw: [Raw]
  }

  static func fixture() throws -> Fixture {
    let data = try Data(contentsOf: TestData.fixtures.appendingPathComponent("numpy_split.json"))
    return try JSONDecoder().decode(Fixture.self, from: data)
  }

  static func digest(_ values: [Int]) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * 4)
    for v in values { bytes += withUnsafeBytes(of: UInt32(v).littleEndian) { Array($0) } }
    return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
  }

  @Test func rawDrawsMatchNumPy() throws {
    for entry in try Self.fixture().raw {
      var mt = MT19937(seed: entry.seed)
      #expect((0..<entry.first.count).map { _ in mt.next32() } == entry.first, "seed \(entry.seed)")
    }
  }

  @Test func splitPermutationsMatchNumPy() throws {
    let fixture = try Self.fixture()
    #expect(fixture.splits.count >= 5)
    for entry in fixture.splits {
      let split = try SplitIndices(count: entry.count, holdout: 0, seed: entry.seed)
      let perm = split.validation + split.training
      #expect(Array(perm.prefix(entry.first.count)) == entry.first, "seed \(entry.seed)")
      if let last = entry.last { #expect(Array(perm.suffix(last.count)) == last) }
      #expect(Self.digest(perm) == entry.sha256, "seed \(entry.seed) count \(entry.count)")
    }
  }

  @Test func leeEtAlsValidationSplitIsTheFirst6000ShuffledIndices() throws {
    let fixture = try Self.fixture()
    let entry = try #require(fixture.splits.first { $0.seed == 0 && $0.count == 60_000 })
    let split = try SplitIndices(count: 60_000, holdout: 6000, seed: 0)
    #expect(split.validation.count == 6000 && split.training.count == 54_000)
    #expect(Array(split.validation.prefix(50)) == entry.first)
    #expect(Array(split.training.suffix(50)) == entry.last)
    #expect(Self.digest(split.validation + split.training) == entry.sha256)
  }

  @Test func streamEpochOrdersMatchSuccessiveNumPyShuffles() throws {
    let fixture = try Self.fixture()
    var stream = BatchStream(count: 54_000, seed: 0)
    var indices = [Int32](repeating: 0, count: 54_000)
    for entry in fixture.stream {
      indices.withUnsafeMutableBufferPointer { stream.next(into: $0) }
      let epoch = indices.map(Int.init)
      #expect(Array(epoch.prefix(entry.first.count)) == entry.first)
      #expect(Self.digest(epoch) == entry.sha256)
    }
  }

  @Test(arguments: [-1, 60_000, 70_000])
  func holdoutsThatLeaveNoTrainingSplitAreErrors(holdout: Int) {
    #expect(throws: DatasetError.invalidHoldout(holdout: holdout, examples: 60_000)) {
      _ = try SplitIndices(count: 60_000, holdout: holdout, seed: 0)
    }
  }
}
