/// A batch of labelled images handed to a scored method.
///
/// Pruning does not read datasets: the trainer passes its training split as a sequence of these,
/// in its own order, so the same split and init give the same mask at every batch size.
public struct PruningBatch: Sendable {
  /// Images in NCHW order, `count * channels * height * width` values.
  public var images: [Float]
  /// One class index per image.
  public var labels: [Int]
  /// Channels, height and width of one image.
  public var imageShape: (channels: Int, height: Int, width: Int)

  public init(images: [Float], labels: [Int], imageShape: (channels: Int, height: Int, width: Int))
  {
    self.images = images
    self.labels = labels
    self.imageShape = imageShape
  }

  /// Number of images.
  public var count: Int { labels.count }

  /// Values per image.
  public var imageSize: Int { imageShape.channels * imageShape.height * imageShape.width }

  /// The images and labels in `range`, as a new batch.
  public func slice(_ range: Range<Int>) -> PruningBatch {
    let size = imageSize
    return PruningBatch(
      images: Array(images[(range.lowerBound * size)..<(range.upperBound * size)]),
      labels: Array(labels[range]), imageShape: imageShape)
  }

  /// The batches joined in order; nil for an empty list.
  public static func concatenate(_ batches: [PruningBatch]) -> PruningBatch? {
    guard let first = batches.first else { return nil }
    return PruningBatch(
      images: batches.flatMap(\.images), labels: batches.flatMap(\.labels),
      imageShape: first.imageShape)
  }
}
