import Foundation
import Testing
import WorkloadModel

@testable import Datasets

/// CIFAR-10's binary batches, on small files in the real record format.
@Suite struct CIFAR10Tests {
  /// Record r of batch b: label (b + r) % 10, channel c's pixels all (10 * b + r + 50 * c).
  static func batch(_ b: Int, records: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    for r in 0..<records {
      bytes.append(UInt8((b + r) % 10))
      for c in 0..<3 { bytes += Array(repeating: UInt8(10 * b + r + 50 * c), count: 1024) }
    }
    return bytes
  }

  static func directory(records: Int, nested: Bool) throws -> String {
    let root = try TestData.scratch("cifar")
    let dir = nested ? root + "/cifar-10-batches-bin" : root
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for b in 1...5 {
      try FileMaker.write(batch(b, records: records), to: dir + "/data_batch_\(b).bin")
    }
    try FileMaker.write(batch(0, records: records), to: dir + "/test_batch.bin")
    return root
  }

  @Test(arguments: [false, true])
  func readsBatchesInOrderWithChannelPlanes(nested: Bool) throws {
    let root = try Self.directory(records: 4, nested: nested)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = try DatasetFiles(dataset: .cifar10, directory: root)
    let read = try DatasetReader.read(files, checkCounts: false)
    #expect(read.train.count == 20 && read.test.count == 4)
    #expect(read.train.channels == 3 && read.train.height == 32)
    // Example 5 is batch 2's record 1: label 3, planes 21, 71, 121.
    #expect(read.train.labels[5] == 3)
    let image = read.train.pixels[(5 * 3072)..<(6 * 3072)]
    #expect(image[image.startIndex] == 21 && image[image.startIndex + 1024] == 71)
    #expect(image[image.startIndex + 3071] == 121)
    // Per-channel statistics: channel c's mean is (mean of 10b + r) + 50c.
    let stats = PixelStatistics(.perChannel, of: read.train)
    let base = (1...5).flatMap { b in (0..<4).map { Double(10 * b + $0) } }
    let mean = base.reduce(0, +) / 20
    for c in 0..<3 {
      #expect(abs(stats.mean[c] - (mean + 50 * Double(c)) / 255) < 1e-12)
    }
    let prepared = try PreparedDataset(
      name: .cifar10, train: read.train, test: read.test, digest: read.digest,
      validation: ValidationSplit(holdout: 5, seed: 0), normalization: .perChannel)
    #expect(prepared.train.count == 15 && prepared.validation.count == 5)
    #expect(throws: DatasetError.self) { try DatasetReader.read(files) }
  }

  @Test func aPartialRecordIsTruncation() throws {
    let root = try Self.directory(records: 2, nested: false)
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileMaker.write(
      Array(Self.batch(3, records: 2).dropLast(7)), to: root + "/data_batch_3.bin")
    #expect {
      try DatasetReader.read(DatasetFiles(dataset: .cifar10, directory: root), checkCounts: false)
    } throws: { error in
      guard case .truncated(let path, 6146, 6139) = error as? DatasetError else { return false }
      return path.hasSuffix("data_batch_3.bin")
    }
  }

  @Test func aBadLabelAndAMissingBatchAreErrors() throws {
    let root = try Self.directory(records: 2, nested: false)
    defer { try? FileManager.default.removeItem(atPath: root) }
    var bytes = Self.batch(1, records: 2)
    bytes[3073] = 12
    try FileMaker.write(bytes, to: root + "/data_batch_1.bin")
    #expect(throws: DatasetError.self) {
      try DatasetReader.read(DatasetFiles(dataset: .cifar10, directory: root), checkCounts: false)
    }
    try FileManager.default.removeItem(atPath: root + "/test_batch.bin")
    #expect {
      try DatasetFiles(dataset: .cifar10, directory: root)
    } throws: { error in
      (error as? DatasetError)?.description.contains("test_batch.bin") == true
    }
  }
}
