import Foundation
import Testing
import WorkloadModel

@testable import Datasets

/// A corpus of broken files, written by the tests: each is an error that names the file and
/// says what is wrong, never a crash.
@Suite struct CorruptFilesTests {
  /// A valid small directory with one file replaced by `bytes`; returns the reader's error.
  static func error(
    replacing name: String, with bytes: [UInt8], gzip: Bool = false
  ) throws -> DatasetError? {
    let dir = try FileMaker.mnistDirectory(train: 20, test: 10, gzip: gzip)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/" + name + (gzip ? ".gz" : "")
    try FileMaker.write(bytes, to: path)
    do {
      _ = try DatasetReader.read(
        DatasetFiles(dataset: .mnist, directory: dir), checkCounts: false)
      return nil
    } catch {
      return error
    }
  }

  static let images = FileMaker.idxImages(count: 20)
  static let labels = FileMaker.idxLabels((0..<20).map { UInt8($0 % 10) })

  @Test func validSmallFilesReadRawAndGzipped() throws {
    for gzip in [false, true] {
      let dir = try FileMaker.mnistDirectory(train: 20, test: 10, gzip: gzip)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let read = try DatasetReader.read(
        DatasetFiles(dataset: .mnist, directory: dir), checkCounts: false)
      #expect(read.train.count == 20 && read.test.count == 10)
      #expect(read.train.pixels == Array(Self.images[16...]))
      #expect(read.train.labelHistogram == Array(repeating: 2, count: 10))
    }
    let raw = try FileMaker.mnistDirectory(train: 20, test: 10, gzip: false)
    let zipped = try FileMaker.mnistDirectory(train: 20, test: 10, gzip: true)
    #expect(
      try ContentDigest.digest(dataset: .mnist, directory: raw, cache: DigestCache())
        == ContentDigest.digest(dataset: .mnist, directory: zipped, cache: DigestCache()))
  }

  @Test func truncatedImages() throws {
    let error = try Self.error(
      replacing: "train-images-idx3-ubyte", with: Array(Self.images.dropLast(100)))
    guard case .truncated(let path, let expected, let actual) = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(path.hasSuffix("train-images-idx3-ubyte"))
    #expect(expected == 16 + 20 * 784 && actual == expected - 100)
    #expect(error?.description.contains("truncated") == true)
  }

  @Test func truncatedHeader() throws {
    let error = try Self.error(replacing: "train-labels-idx1-ubyte", with: [0, 0, 8, 1, 0])
    #expect(error == .truncated(path: "", expectedBytes: 8, actualBytes: 5).withPath(error))
  }

  @Test func emptyFile() throws {
    let error = try Self.error(replacing: "t10k-labels-idx1-ubyte", with: [])
    guard case .empty(let path) = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(path.hasSuffix("t10k-labels-idx1-ubyte"))
  }

  @Test func swappedFilesHaveTheWrongMagic() throws {
    let error = try Self.error(replacing: "train-images-idx3-ubyte", with: Self.labels)
    guard case .wrongMagic(_, let found, let expected) = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(found == 0x801 && expected == 0x803)
    #expect(error?.description.contains("0x00000801") == true)
  }

  @Test func countMismatchBetweenImagesAndLabels() throws {
    let labels = FileMaker.idxLabels((0..<19).map { UInt8($0 % 10) })
    let error = try Self.error(replacing: "train-labels-idx1-ubyte", with: labels)
    guard case .countMismatch(_, 20, _, 19) = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
  }

  @Test func labelOutOfRange() throws {
    var labels = Self.labels
    labels[8 + 13] = 10
    let error = try Self.error(replacing: "train-labels-idx1-ubyte", with: labels)
    guard case .labelOutOfRange(_, 13, 10) = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
  }

  @Test func trailingBytesAndWrongShape() throws {
    let trailing = try Self.error(replacing: "train-images-idx3-ubyte", with: Self.images + [1, 2])
    guard case .trailingBytes = trailing else {
      Issue.record("got \(String(describing: trailing))")
      return
    }
    let shape = try Self.error(
      replacing: "train-images-idx3-ubyte", with: FileMaker.idxImages(count: 20, height: 32))
    guard case .wrongShape(_, [20, 32, 28], [20, 28, 28]) = shape else {
      Issue.record("got \(String(describing: shape))")
      return
    }
  }

  @Test func realSizedCountsAreCheckedForTheDataset() throws {
    let dir = try FileMaker.mnistDirectory(train: 20, test: 10, gzip: false)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(throws: DatasetError.self) {
      try DatasetReader.read(DatasetFiles(dataset: .mnist, directory: dir))
    }
  }

  @Test func corruptGzip() throws {
    let good = FileMaker.gzip(Self.labels)
    var badCRC = good
    badCRC[badCRC.count - 6] ^= 0xff
    var badHeader = good
    badHeader[2] = 7  // compression method other than deflate
    var badBlock = good
    badBlock[10] = 0x07  // reserved block type
    let cases: [(String, [UInt8])] = [
      ("crc", badCRC), ("header", badHeader), ("block", badBlock),
      ("cut", Array(good.prefix(good.count - 12))), ("magic only", [0x1f, 0x8b]),
    ]
    for (label, bytes) in cases {
      let error = try Self.error(replacing: "train-labels-idx1-ubyte", with: bytes, gzip: true)
      guard case .corruptGzip(let path, _) = error else {
        Issue.record("\(label): got \(String(describing: error))")
        continue
      }
      #expect(path.hasSuffix("train-labels-idx1-ubyte.gz"), "\(label)")
      #expect(error?.description.contains("corrupt gzip") == true)
    }
  }

  @Test func missingDirectoryAndFilesSayWhereToGetThem() throws {
    #expect {
      try DatasetFiles(dataset: .fashionMNIST, directory: "/nonexistent/stepwise-data")
    } throws: { error in
      let text = (error as? DatasetError)?.description ?? ""
      return text.contains("/nonexistent/stepwise-data") && text.contains("STEPWISE_DATA")
        && text.contains("dataset-fashion-mnist")
    }
    let dir = try FileMaker.mnistDirectory(train: 20, test: 10, gzip: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.removeItem(atPath: dir + "/t10k-images-idx3-ubyte.gz")
    #expect {
      try DatasetFiles(dataset: .mnist, directory: dir)
    } throws: { error in
      let text = (error as? DatasetError)?.description ?? ""
      return text.contains("t10k-images-idx3-ubyte' or 't10k-images-idx3-ubyte.gz")
        && text.contains("STEPWISE_DATA")
    }
  }

  @Test func negativeSplitSeedIsAnError() throws {
    let raw = RawSplit(
      count: 10, channels: 1, height: 1, width: 1, pixels: Array(0..<10), labels: Array(0..<10))
    #expect(throws: DatasetError.invalidSeed(seed: -1)) {
      _ = try PreparedDataset(
        name: .mnist, train: raw, test: raw, digest: "",
        validation: ValidationSplit(holdout: 2, seed: -1), normalization: .global)
    }
  }
}

extension DatasetError {
  /// `self` with the path of `other` (for comparing errors whose directory is random).
  func withPath(_ other: DatasetError?) -> DatasetError {
    guard case .truncated(let path, _, _) = other,
      case .truncated(_, let expected, let actual) = self
    else { return self }
    return .truncated(path: path, expectedBytes: expected, actualBytes: actual)
  }
}
