/// Images and labels as stored on disk: unsigned bytes, before any normalisation.
///
/// Pixels are NCHW (CIFAR-10's channel planes are already in that order; MNIST has one channel).
public struct RawSplit: Sendable {
  public var count: Int
  public var channels: Int
  public var height: Int
  public var width: Int
  /// `count * channels * height * width` bytes.
  public var pixels: [UInt8]
  /// `count` class indices, each checked to be in 0...9.
  public var labels: [UInt8]

  public init(
    count: Int, channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [UInt8]
  ) {
    self.count = count
    self.channels = channels
    self.height = height
    self.width = width
    self.pixels = pixels
    self.labels = labels
  }

  /// Values per image.
  public var imageSize: Int { channels * height * width }

  /// How many examples carry each label 0...9.
  public var labelHistogram: [Int] {
    var counts = [Int](repeating: 0, count: 10)
    for label in labels { counts[Int(label)] += 1 }
    return counts
  }

  /// Checks every label is a class 0...9; `path` names the labels file in the error.
  static func checkLabels(_ labels: [UInt8], path: String) throws(DatasetError) {
    if let bad = labels.firstIndex(where: { $0 > 9 }) {
      throw .labelOutOfRange(path: path, index: bad, label: Int(labels[bad]))
    }
  }
}
