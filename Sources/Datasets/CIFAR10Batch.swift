/// CIFAR-10's binary batch format: 10,000 records of one label byte followed by 3,072 pixel
/// bytes (1,024 red, then green, then blue, each 32x32 row-major), so the pixels are already
/// one image's NCHW planes.
public enum CIFAR10Batch {
  public static let recordBytes = 1 + 3 * 32 * 32
  public static let recordsPerBatch = 10_000

  /// Parses one batch file. Any number of whole records is accepted here (tests write small
  /// batches); a file that is not a whole number of records is truncated.
  public static func parse(_ bytes: [UInt8], path: String) throws(DatasetError) -> RawSplit {
    if bytes.isEmpty { throw .empty(path: path) }
    let records = bytes.count / recordBytes
    if bytes.count % recordBytes != 0 {
      throw .truncated(
        path: path, expectedBytes: (records + 1) * recordBytes, actualBytes: bytes.count)
    }
    let imageBytes = recordBytes - 1
    var pixels = [UInt8](repeating: 0, count: records * imageBytes)
    var labels = [UInt8](repeating: 0, count: records)
    bytes.withUnsafeBufferPointer { source in
      pixels.withUnsafeMutableBufferPointer { target in
        guard let from = source.baseAddress, let to = target.baseAddress else { return }
        for r in 0..<records {
          labels[r] = source[r * recordBytes]
          (to + r * imageBytes).update(from: from + r * recordBytes + 1, count: imageBytes)
        }
      }
    }
    try RawSplit.checkLabels(labels, path: path)
    return RawSplit(
      count: records, channels: 3, height: 32, width: 32, pixels: pixels, labels: labels)
  }

  /// The batches in order, as one split.
  static func concatenate(_ batches: ArraySlice<RawSplit>) -> RawSplit {
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    pixels.reserveCapacity(batches.reduce(0) { $0 + $1.pixels.count })
    for batch in batches {
      pixels += batch.pixels
      labels += batch.labels
    }
    return RawSplit(
      count: labels.count, channels: 3, height: 32, width: 32, pixels: pixels, labels: labels)
  }
}
