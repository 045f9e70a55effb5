import Foundation
import Synchronization
import WorkloadModel

/// A dataset ready to train on: the validation holdout carved out exactly as Lee et al. do, and
/// every split standardised with statistics of the whole official training split.
public struct PreparedDataset: Sendable {
  public let name: DatasetName
  /// The official training split minus the holdout, in training-split order.
  public let train: ImageSet
  public let validation: ImageSet
  /// The official test split (never used for steps-to-result).
  public let test: ImageSet
  public let statistics: PixelStatistics
  public let split: SplitIndices
  /// `ContentDigest` of the files.
  public let digest: String
  /// Label histogram of the official training split.
  public let trainingLabelHistogram: [Int]

  /// Reads, checks, splits and standardises the dataset `spec` describes.
  public init(spec: DatasetSpec) throws(DatasetError) {
    let files = try DatasetFiles(dataset: spec.name, directory: spec.directory.value)
    let raw = try DatasetReader.read(files, pinned: spec.sha256)
    try self.init(
      name: spec.name, train: raw.train, test: raw.test, digest: raw.digest,
      validation: spec.validation, normalization: spec.normalization)
  }

  /// Splits and standardises splits already read (tests build small ones).
  public init(
    name: DatasetName, train: RawSplit, test: RawSplit, digest: String,
    validation: ValidationSplit, normalization: Normalization
  ) throws(DatasetError) {
    guard validation.seed >= 0 else {
      throw .invalidSeed(seed: validation.seed)
    }
    let split = try SplitIndices(
      count: train.count, holdout: validation.holdout, seed: UInt64(validation.seed))
    let statistics = PixelStatistics(normalization, of: train)
    self.name = name
    self.split = split
    self.statistics = statistics
    self.digest = digest
    self.trainingLabelHistogram = train.labelHistogram
    self.train = ImageSet(raw: train, indices: split.training, statistics: statistics)
    self.validation = ImageSet(raw: train, indices: split.validation, statistics: statistics)
    self.test = ImageSet(raw: test, statistics: statistics)
  }
}

/// Prepared datasets shared by the trials of one process, so that concurrent trials on one
/// dataset hold one copy (about 220 MB for MNIST). Keyed by everything that shapes the result.
public final class DatasetCache: Sendable {
  public static let shared = DatasetCache()

  private struct Key: Hashable {
    var name: DatasetName
    var directory: String
    var validation: ValidationSplit
    var normalization: Normalization
    var sha256: [String: String]
  }

  private let table = Mutex<[Key: PreparedDataset]>([:])
  /// Held while a dataset loads, so that trials or workers starting together load it once
  /// (not once each, which would multiply the peak memory).
  private let loading = NSLock()

  public init() {}

  public func dataset(for spec: DatasetSpec) throws(DatasetError) -> PreparedDataset {
    let key = Key(
      name: spec.name, directory: spec.directory.value, validation: spec.validation,
      normalization: spec.normalization, sha256: spec.sha256)
    if let hit = table.withLock({ $0[key] }) { return hit }
    loading.lock()
    defer { loading.unlock() }
    if let hit = table.withLock({ $0[key] }) { return hit }
    let prepared = try PreparedDataset(spec: spec)
    table.withLock { $0[key] = prepared }
    return prepared
  }

  /// Drops every entry (memory back once no trial holds the arrays).
  public func removeAll() {
    table.withLock { $0.removeAll() }
  }
}
