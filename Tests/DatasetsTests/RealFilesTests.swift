import Foundation
import Testing
import WorkloadModel

@testable import Datasets

/// The readers against the real MNIST (raw IDX) and Fashion-MNIST (gzip) files, with the
/// checksums, counts, label histograms and pixel statistics of `shared/data/README.md`.
@Suite struct RealFilesTests {
  static let mnistSHA = [
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
  ]
  static let fashionSHA = [
    "train-images-idx3-ubyte.gz":
      "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz":
      "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz":
      "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz":
      "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
  ]

  @Test(.enabled(if: TestData.exists(TestData.mnist)))
  func mnistRawFilesMatchTheirPublishedChecksumsCountsAndLabels() throws {
    let files = try DatasetFiles(dataset: .mnist, directory: TestData.mnist)
    #expect(files.entries.allSatisfy { !$0.isGzip })
    let raw = try DatasetReader.read(files, pinned: Self.mnistSHA)
    #expect(raw.train.count == 60_000 && raw.test.count == 10_000)
    #expect((raw.train.height, raw.train.width, raw.train.channels) == (28, 28, 1))
    #expect(
      raw.train.labelHistogram == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    #expect(raw.test.labelHistogram.reduce(0, +) == 10_000)
    Self.expectGlobalStatistics(of: raw.train, mean: 0.1306604763, std: 0.3081078039)
  }

  @Test(.enabled(if: TestData.exists(TestData.fashion)))
  func fashionGzipFilesMatchTheirPublishedChecksumsCountsAndLabels() throws {
    let files = try DatasetFiles(dataset: .fashionMNIST, directory: TestData.fashion)
    #expect(files.entries.allSatisfy { $0.isGzip })
    let raw = try DatasetReader.read(files, pinned: Self.fashionSHA)
    #expect(raw.train.count == 60_000 && raw.test.count == 10_000)
    #expect(raw.train.labelHistogram == Array(repeating: 6000, count: 10))
    #expect(raw.test.labelHistogram == Array(repeating: 1000, count: 10))
    Self.expectGlobalStatistics(of: raw.train, mean: 0.2860405970, std: 0.3530242445)
  }

  /// The training split's pixel mean and standard deviation, to the published ten digits.
  static func expectGlobalStatistics(
    of split: RawSplit, mean: Double, std: Double, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let stats = PixelStatistics(.global, of: split)
    #expect(abs(stats.mean[0] - mean) < 5e-11, sourceLocation: sourceLocation)
    #expect(abs(stats.std[0] - std) < 5e-11, sourceLocation: sourceLocation)
  }

  @Test(.enabled(if: TestData.exists(TestData.mnist)))
  func aWrongPinnedChecksumNamesTheFile() throws {
    let files = try DatasetFiles(dataset: .mnist, directory: TestData.mnist)
    var pins = Self.mnistSHA
    pins["t10k-labels-idx1-ubyte"] = String(repeating: "0", count: 64)
    #expect {
      try DatasetReader.read(files, pinned: pins)
    } throws: { error in
      guard case .checksumMismatch(let path, _, let actual) = error as? DatasetError else {
        return false
      }
      let expected = Self.mnistSHA["t10k-labels-idx1-ubyte"]
      return path.hasSuffix("t10k-labels-idx1-ubyte") && actual == expected
    }
    pins = ["train-images.idx3-ubyte": Self.mnistSHA["train-images-idx3-ubyte"] ?? ""]
    #expect(throws: DatasetError.self) { try DatasetReader.read(files, pinned: pins) }
  }

  /// Debian's `.gz` files have other gzip headers than the originals; the digest is over the
  /// decompressed bytes, so both copies are one dataset.
  @Test(
    .enabled(if: TestData.exists(TestData.fashion) && TestData.exists(TestData.debianFashion)))
  func debianAndOriginalFashionMNISTHaveOneDigest() throws {
    let cache = DigestCache()
    let original = try ContentDigest.digest(
      dataset: .fashionMNIST, directory: TestData.fashion, cache: cache)
    let debian = try ContentDigest.digest(
      dataset: .fashionMNIST, directory: TestData.debianFashion, cache: cache)
    #expect(original == debian)
    #expect(original.count == 64)
    let read = try DatasetReader.read(
      DatasetFiles(dataset: .fashionMNIST, directory: TestData.debianFashion))
    #expect(read.digest == original)
  }

  @Test(.enabled(if: TestData.exists(TestData.mnist)))
  func theDigestIsCachedByFileIdentityAndSurvivesARoundTrip() throws {
    let cache = DigestCache()
    let clock = ContinuousClock()
    var first = ""
    let cold = try clock.measure {
      first = try ContentDigest.digest(dataset: .mnist, directory: TestData.mnist, cache: cache)
    }
    var second = ""
    let warm = try clock.measure {
      second = try ContentDigest.digest(dataset: .mnist, directory: TestData.mnist, cache: cache)
    }
    #expect(first == second)
    #expect(warm < cold)
    let reloaded = DigestCache()
    try reloaded.merge(encoded: cache.encoded())
    let files = try DatasetFiles(dataset: .mnist, directory: TestData.mnist)
    let ids = files.entries.compactMap { FileBytes.identity($0.path) }
    #expect(reloaded.lookup(ids) == first)
    print("MNIST digest \(first): cold \(cold), cached \(warm)")
  }

  @Test(.enabled(if: TestData.exists(TestData.mnist)))
  func preparedMNISTHasLeeEtAlsSplitAndStandardisation() throws {
    let data = try Self.prepareLeeSplit(.mnist, in: TestData.mnist, "MNIST raw")
    #expect(data.train.count == 54_000 && data.validation.count == 6000)
    #expect(data.test.count == 10_000)
    #expect(data.split.validation.prefix(3) == [3048, 19563, 58303])
    #expect(Set(data.split.validation + data.split.training).count == 60_000)
    // Standardised training and validation pixels together have mean 0 and std 1.
    var sum = 0.0
    var squares = 0.0
    for set in [data.train, data.validation] {
      for value in set.pixels {
        sum += Double(value)
        squares += Double(value) * Double(value)
      }
    }
    let n = Double(60_000 * 784)
    #expect(abs(sum / n) < 1e-6)
    #expect(abs((squares / n - (sum / n) * (sum / n)).squareRoot() - 1) < 1e-6)
    #expect(data.trainingLabelHistogram[1] == 6742)
  }

  @Test(.enabled(if: TestData.exists(TestData.fashion)))
  func fashionMNISTGzipLoadTime() throws {
    let prepared = try Self.prepareLeeSplit(
      .fashionMNIST, in: TestData.fashion, "Fashion-MNIST gzip")
    #expect(prepared.validation.count == 6000)
  }

  /// The dataset with Lee et al.'s 6,000-example holdout (seed 0) and global standardisation,
  /// printing how long loading, splitting and standardising took.
  static func prepareLeeSplit(
    _ name: DatasetName, in directory: String, _ label: String
  ) throws -> PreparedDataset {
    let spec = DatasetSpec(
      name: name, directory: Located(directory),
      validation: ValidationSplit(holdout: 6000, seed: 0), normalization: .global)
    let clock = ContinuousClock()
    var prepared: PreparedDataset?
    let elapsed = try clock.measure { prepared = try PreparedDataset(spec: spec) }
    print("\(label) load + split + standardise: \(elapsed)")
    return try #require(prepared)
  }
}
