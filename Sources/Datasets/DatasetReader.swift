import WorkloadModel

/// Reads the official training and test splits of a dataset into `RawSplit`s, checking every
/// header, size, count and label, and computing the content digest from the same bytes.
public enum DatasetReader {
  /// The official splits, unnormalised, and the content digest of the files.
  public struct Result: Sendable {
    public var train: RawSplit
    public var test: RawSplit
    /// `ContentDigest` of the files read.
    public var digest: String
  }

  /// Reads every file of `files`. `checkCounts` false accepts splits of any size (small files
  /// written by tests); otherwise the official counts are required.
  public static func read(
    _ files: DatasetFiles, pinned: [String: String] = [:], checkCounts: Bool = true
  ) throws(DatasetError) -> Result {
    if let unknown = files.unmatchedPins(pinned).first {
      throw .fileMissing(
        directory: files.directory, names: [unknown], dataset: files.dataset.rawValue)
    }
    var hasher = ContentDigest.Hasher()
    var contents: [[UInt8]] = []
    for entry in files.entries {
      let bytes = try files.contents(of: entry, pinned: pinned)
      hasher.add(name: entry.canonicalName, contents: bytes)
      contents.append(bytes)
    }
    let shape = files.dataset.imageShape
    let expected: (train: Int?, test: Int?) =
      checkCounts ? (files.dataset.trainingExamples, 10_000) : (nil, nil)
    let train: RawSplit
    let test: RawSplit
    switch files.dataset {
    case .mnist, .fashionMNIST:
      let e = files.entries
      train = try idx(
        images: contents[0], imagesPath: e[0].path, labels: contents[1], labelsPath: e[1].path,
        height: shape.height, width: shape.width, count: expected.train)
      test = try idx(
        images: contents[2], imagesPath: e[2].path, labels: contents[3], labelsPath: e[3].path,
        height: shape.height, width: shape.width, count: expected.test)
    case .cifar10:
      var batches: [RawSplit] = []
      for (entry, bytes) in zip(files.entries, contents) {
        batches.append(try CIFAR10Batch.parse(bytes, path: entry.path))
      }
      if checkCounts {
        for (entry, batch) in zip(files.entries, batches)
        where batch.count != CIFAR10Batch.recordsPerBatch {
          throw .wrongCount(
            path: entry.path, found: batch.count, expected: CIFAR10Batch.recordsPerBatch)
        }
      }
      train = CIFAR10Batch.concatenate(batches[0..<5])
      test = batches[5]
    }
    return Result(train: train, test: test, digest: hasher.finish())
  }

  /// One IDX images file and its labels file, checked against each other and the dataset.
  /// `count` nil accepts any count (tests use small files).
  static func idx(
    images: [UInt8], imagesPath: String, labels: [UInt8], labelsPath: String, height: Int,
    width: Int, count: Int?
  ) throws(DatasetError) -> RawSplit {
    let imageFile = try IDXFile(bytes: images, magic: IDXMagic.images, path: imagesPath)
    let labelFile = try IDXFile(bytes: labels, magic: IDXMagic.labels, path: labelsPath)
    let n = imageFile.dimensions[0]
    if imageFile.dimensions[1] != height || imageFile.dimensions[2] != width {
      throw .wrongShape(
        path: imagesPath, found: imageFile.dimensions, expected: [n, height, width])
    }
    if labelFile.dimensions[0] != n {
      throw .countMismatch(
        images: imagesPath, imageCount: n, labels: labelsPath,
        labelCount: labelFile.dimensions[0])
    }
    if let count, n != count { throw .wrongCount(path: imagesPath, found: n, expected: count) }
    let labelBytes = Array(labelFile.payload)
    try RawSplit.checkLabels(labelBytes, path: labelsPath)
    return RawSplit(
      count: n, channels: 1, height: height, width: width, pixels: Array(imageFile.payload),
      labels: labelBytes)
  }
}
