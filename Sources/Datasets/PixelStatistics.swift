import WorkloadModel

/// The mean and standard deviation that standardise pixels after dividing by 255.
///
/// Lee et al. compute `np.mean` and `np.std` (population, ddof 0) of all 60,000 training images
/// /255 *before* the validation split and apply them to every split. Here the sums are taken over
/// the integer pixel values, so the statistics are exact in `Double` (NumPy's float32 pairwise sums
/// differ in the 7th digit: its comments say 0.13066062 where the exact mean is 0.1306604763).
public struct PixelStatistics: Hashable, Sendable, Codable {
  /// One entry for `global` (and `none`), one per channel for `perChannel`.
  public var mean: [Double]
  public var std: [Double]

  public init(mean: [Double], std: [Double]) {
    self.mean = mean
    self.std = std
  }

  /// The statistics `normalization` calls for over all images of `raw`.
  public init(_ normalization: Normalization, of raw: RawSplit) {
    switch normalization {
    case .none:
      self.init(mean: [0], std: [1])
    case .global:
      let (sum, squares) = Self.sums(raw.pixels[...])
      let (mean, std) = Self.moments(sum: sum, squares: squares, count: raw.pixels.count)
      self.init(mean: [mean], std: [std])
    case .perChannel:
      var means: [Double] = []
      var stds: [Double] = []
      let plane = raw.height * raw.width
      for channel in 0..<raw.channels {
        var sum: UInt64 = 0
        var squares: UInt64 = 0
        for image in 0..<raw.count {
          let start = (image * raw.channels + channel) * plane
          let (s, q) = Self.sums(raw.pixels[start..<(start + plane)])
          sum += s
          squares += q
        }
        let (mean, std) = Self.moments(sum: sum, squares: squares, count: raw.count * plane)
        means.append(mean)
        stds.append(std)
      }
      self.init(mean: means, std: stds)
    }
  }

  private static func sums(_ pixels: ArraySlice<UInt8>) -> (UInt64, UInt64) {
    // Per-value counts keep the inner loop to one increment; the sums follow exactly.
    var histogram = [UInt64](repeating: 0, count: 256)
    pixels.withUnsafeBufferPointer { buffer in
      histogram.withUnsafeMutableBufferPointer { h in
        for p in buffer { h[Int(p)] &+= 1 }
      }
    }
    var sum: UInt64 = 0
    var squares: UInt64 = 0
    for value in 0..<256 {
      sum += histogram[value] * UInt64(value)
      squares += histogram[value] * UInt64(value * value)
    }
    return (sum, squares)
  }

  private static func moments(sum: UInt64, squares: UInt64, count: Int) -> (Double, Double) {
    let n = Double(count)
    let mean = Double(sum) / n
    let variance = Double(squares) / n - mean * mean
    return (mean / 255, variance.squareRoot() / 255)
  }

  /// For each channel, the standardised value of each of the 256 pixel bytes:
  /// `Float((byte / 255 - mean) / std)`, so normalising an image is a table lookup.
  public func lookupTables(channels: Int) -> [[Float]] {
    (0..<channels).map { channel in
      let c = mean.count == 1 ? 0 : channel
      let std = self.std[c] > 0 ? self.std[c] : 1
      return (0..<256).map { Float((Double($0) / 255 - mean[c]) / std) }
    }
  }
}
