import Foundation

/// Everything that can be wrong with a dataset on disk. Each case names the file and says what is
/// wrong and how to fix it: a trial that fails here is recorded as `failed (input error)`, and the
/// message is all the user sees.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The dataset directory does not exist.
  case directoryMissing(path: String, dataset: String)
  /// None of the accepted names for a file exists in the directory.
  case fileMissing(directory: String, names: [String], dataset: String)
  /// The OS refused to read the file.
  case unreadable(path: String, reason: String)
  /// The file has zero bytes.
  case empty(path: String)
  /// The file ends before the header or the data its header announces.
  case truncated(path: String, expectedBytes: Int, actualBytes: Int)
  /// The file has bytes after the data its header announces.
  case trailingBytes(path: String, expectedBytes: Int, actualBytes: Int)
  /// The first four bytes are not the IDX magic number expected for this file.
  case wrongMagic(path: String, found: UInt32, expected: UInt32)
  /// The header's dimensions are not what the dataset needs (for example 32x32 in MNIST).
  case wrongShape(path: String, found: [Int], expected: [Int])
  /// zlib could not inflate the file.
  case corruptGzip(path: String, detail: String)
  /// The images file and the labels file disagree on the number of examples.
  case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
  /// A file holds a different number of examples than the dataset has.
  case wrongCount(path: String, found: Int, expected: Int)
  /// A label is not a class index 0...9.
  case labelOutOfRange(path: String, index: Int, label: Int)
  /// The file's SHA-256 differs from the one pinned in the workload.
  case checksumMismatch(path: String, expected: String, actual: String)
  /// The validation holdout does not leave a training split (or is negative).
  case invalidHoldout(holdout: Int, examples: Int)
  /// A split seed NumPy's `RandomState` would refuse (negative).
  case invalidSeed(seed: Int)

  public var description: String {
    switch self {
    case .directoryMissing(let path, let dataset):
      return "\(path): dataset directory for '\(dataset)' does not exist; point the workload's "
        + "dataset.directory at the files (for example ${STEPWISE_DATA}/\(dataset), with "
        + "STEPWISE_DATA set to the data root)" + Self.fashionHint(dataset)
    case .fileMissing(let directory, let names, let dataset):
      let tried = names.joined(separator: "' or '")
      return "\(directory): '\(tried)' not found for dataset '\(dataset)'; copy the file there "
        + "or set STEPWISE_DATA to a directory that holds it" + Self.fashionHint(dataset)
    case .unreadable(let path, let reason):
      return "\(path): cannot read the file (\(reason)); check its permissions"
    case .empty(let path):
      return "\(path): the file is empty; download it again"
    case .truncated(let path, let expected, let actual):
      return "\(path): truncated: the header announces \(expected) bytes of data but the file "
        + "holds \(actual); download it again"
    case .trailingBytes(let path, let expected, let actual):
      return "\(path): \(actual - expected) unexpected bytes after the \(expected) the header "
        + "announces; the file is not a clean IDX file, download it again"
    case .wrongMagic(let path, let found, let expected):
      return "\(path): magic number \(Self.hex(found)) where \(Self.hex(expected)) was expected; "
        + "this is not an IDX \(expected == IDXMagic.labels ? "labels" : "images") file "
        + "(are the images and labels files swapped?)"
    case .wrongShape(let path, let found, let expected):
      return "\(path): dimensions \(Self.shape(found)) where \(Self.shape(expected)) were "
        + "expected; the file belongs to another dataset"
    case .corruptGzip(let path, let detail):
      return "\(path): corrupt gzip data (\(detail)); download the file again, or decompress it "
        + "with gunzip to see where it breaks"
    case .countMismatch(let images, let imageCount, let labels, let labelCount):
      return "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels; the "
        + "two files come from different datasets or splits"
    case .wrongCount(let path, let found, let expected):
      return "\(path): \(found) examples where this dataset has \(expected); the file belongs to "
        + "another dataset or split"
    case .labelOutOfRange(let path, let index, let label):
      return "\(path): label \(label) at example \(index) is not a class 0...9; the file is "
        + "corrupt, download it again"
    case .checksumMismatch(let path, let expected, let actual):
      return "\(path): SHA-256 is \(actual) but the workload pins \(expected); the file changed "
        + "since the workload was written (fix the file or the dataset.sha256 entry)"
    case .invalidHoldout(let holdout, let examples):
      return "validation holdout \(holdout) must be in 0..<\(examples), leaving a training split"
    case .invalidSeed(let seed):
      return "validation seed \(seed) must be a non-negative integer (NumPy's RandomState seed)"
    }
  }

  private static func fashionHint(_ dataset: String) -> String {
    dataset == "fashion-mnist"
      ? " (Debian's package dataset-fashion-mnist installs them in "
        + "/usr/share/datasets/fashion-mnist)"
      : ""
  }

  private static func hex(_ value: UInt32) -> String {
    "0x" + String(format: "%08x", value)
  }

  private static func shape(_ dims: [Int]) -> String {
    dims.map(String.init).joined(separator: "x")
  }
}
