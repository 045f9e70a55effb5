/// Standardised images (Float32, NCHW, contiguous) with their labels: what the trainer reads.
///
/// A value type over arrays, so handing it to several trials or workers shares the storage.
public struct ImageSet: Sendable {
  public let count: Int
  public let channels: Int
  public let height: Int
  public let width: Int
  /// `count * imageSize` values, image i at `i * imageSize`.
  public let pixels: [Float]
  /// Class indices 0...9.
  public let labels: [Int32]

  public var imageSize: Int { channels * height * width }

  public init(
    count: Int, channels: Int, height: Int, width: Int, pixels: [Float], labels: [Int32]
  ) {
    precondition(pixels.count == count * channels * height * width && labels.count == count)
    self.count = count
    self.channels = channels
    self.height = height
    self.width = width
    self.pixels = pixels
    self.labels = labels
  }

  /// The examples of `raw` at `indices`, in that order, standardised with `statistics`.
  public init(raw: RawSplit, indices: [Int], statistics: PixelStatistics) {
    let tables = statistics.lookupTables(channels: raw.channels)
    let imageSize = raw.imageSize
    let plane = raw.height * raw.width
    var pixels = [Float](repeating: 0, count: indices.count * imageSize)
    var labels = [Int32](repeating: 0, count: indices.count)
    raw.pixels.withUnsafeBufferPointer { source in
      pixels.withUnsafeMutableBufferPointer { target in
        for (row, index) in indices.enumerated() {
          for channel in 0..<raw.channels {
            let table = tables[channel]
            let from = index * imageSize + channel * plane
            let to = row * imageSize + channel * plane
            table.withUnsafeBufferPointer { t in
              for k in 0..<plane { target[to + k] = t[Int(source[from + k])] }
            }
          }
          labels[row] = Int32(raw.labels[index])
        }
      }
    }
    self.init(
      count: indices.count, channels: raw.channels, height: raw.height, width: raw.width,
      pixels: pixels, labels: labels)
  }

  /// Every example of `raw`, in file order.
  public init(raw: RawSplit, statistics: PixelStatistics) {
    self.init(raw: raw, indices: Array(0..<raw.count), statistics: statistics)
  }

  /// Copies examples `range` into `images` (room for `range.count * imageSize` floats) and
  /// `labels`; no allocation.
  public func copy(
    _ range: Range<Int>, images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>
  ) {
    pixels.withUnsafeBufferPointer { source in
      guard let base = source.baseAddress else { return }
      (images).update(from: base + range.lowerBound * imageSize, count: range.count * imageSize)
    }
    self.labels.withUnsafeBufferPointer { source in
      guard let base = source.baseAddress else { return }
      labels.update(from: base + range.lowerBound, count: range.count)
    }
  }
}
