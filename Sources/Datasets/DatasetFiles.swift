import Foundation
import WorkloadModel

/// The files of a dataset in a directory, in the fixed order the content digest uses.
///
/// IDX datasets accept each file raw or gzipped (`train-images-idx3-ubyte` or
/// `train-images-idx3-ubyte.gz`; the raw one wins when both exist). CIFAR-10 reads the binary
/// batches `data_batch_1.bin` ... `data_batch_5.bin` and `test_batch.bin`, in the directory or in
/// its `cifar-10-batches-bin` subdirectory (how the official archive unpacks).
public struct DatasetFiles: Sendable {
  /// One file: its canonical (uncompressed) name and where it is.
  public struct Entry: Hashable, Sendable {
    public var canonicalName: String
    public var path: String
    public var isGzip: Bool { path.hasSuffix(".gz") }
    public var fileName: String { (path as NSString).lastPathComponent }
  }

  public let dataset: DatasetName
  public let directory: String
  /// In digest order: training images, training labels, test images, test labels (CIFAR-10:
  /// the five training batches, then the test batch).
  public let entries: [Entry]

  /// The canonical names, in digest order.
  public static func canonicalNames(_ dataset: DatasetName) -> [String] {
    switch dataset {
    case .mnist, .fashionMNIST:
      return [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
      ]
    case .cifar10:
      return (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
    }
  }

  /// Finds every file of `dataset` in `directory`.
  public init(dataset: DatasetName, directory: String) throws(DatasetError) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else { throw .directoryMissing(path: directory, dataset: dataset.rawValue) }
    var base = directory
    if dataset == .cifar10 {
      let nested = (directory as NSString).appendingPathComponent("cifar-10-batches-bin")
      let first = (directory as NSString).appendingPathComponent("data_batch_1.bin")
      if !FileManager.default.fileExists(atPath: first),
        FileManager.default.fileExists(atPath: nested)
      {
        base = nested
      }
    }
    var entries: [Entry] = []
    for name in Self.canonicalNames(dataset) {
      let candidates = dataset == .cifar10 ? [name] : [name, name + ".gz"]
      let found = candidates.map { (base as NSString).appendingPathComponent($0) }
        .first { FileManager.default.fileExists(atPath: $0) }
      guard let path = found else {
        throw .fileMissing(directory: base, names: candidates, dataset: dataset.rawValue)
      }
      entries.append(Entry(canonicalName: name, path: path))
    }
    self.dataset = dataset
    self.directory = base
    self.entries = entries
  }

  /// The decompressed contents of `entry`, after checking any SHA-256 `pinned` for it (keyed by
  /// the on-disk name, checked against the bytes on disk, or by the canonical name, checked
  /// against the decompressed bytes).
  public func contents(
    of entry: Entry, pinned: [String: String] = [:]
  ) throws(DatasetError) -> [UInt8] {
    let stored = try FileBytes.read(entry.path)
    if let expected = pinned[entry.fileName], entry.fileName != entry.canonicalName {
      try Self.check(stored, expected: expected, path: entry.path)
    }
    let bytes = Gzip.isGzip(stored) ? try Gzip.decompress(stored, path: entry.path) : stored
    if bytes.isEmpty { throw .empty(path: entry.path) }
    if let expected = pinned[entry.canonicalName] {
      try Self.check(bytes, expected: expected, path: entry.path)
    }
    return bytes
  }

  /// Pinned names that match no file of the dataset: a typo in the workload must not silently
  /// skip the check.
  public func unmatchedPins(_ pinned: [String: String]) -> [String] {
    let known = Set(entries.flatMap { [$0.canonicalName, $0.fileName] })
    return pinned.keys.filter { !known.contains($0) }.sorted()
  }

  private static func check(
    _ bytes: [UInt8], expected: String, path: String
  ) throws(DatasetError) {
    let actual = ContentDigest.sha256Hex(bytes)
    if actual != expected.lowercased() {
      throw .checksumMismatch(path: path, expected: expected.lowercased(), actual: actual)
    }
  }
}
