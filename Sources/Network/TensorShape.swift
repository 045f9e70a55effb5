/// The shape of one example's activation, `(C, H, W)`; a feature vector is `(C, 1, 1)`.
/// A batch is `(N, C, H, W)` in NCHW order, so flattening an example is PyTorch's
/// `torch.flatten(x, 1)` order (c, h, w). TensorFlow flattens NHWC, i.e. (h, w, c); the two
/// orders differ by a fixed permutation of the next dense layer's input rows, which a randomly
/// initialised, trained-from-scratch network cannot tell apart (no released weights are loaded).
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
  public var channels: Int
  public var height: Int
  public var width: Int

  public init(channels: Int, height: Int = 1, width: Int = 1) {
    self.channels = channels
    self.height = height
    self.width = width
  }

  /// Elements per example.
  public var count: Int { channels * height * width }

  /// The shape after pooling with VALID windows: `(C, (H-k)/s+1, (W-k)/s+1)`.
  public func pooled(window: Int, stride: Int) -> TensorShape {
    TensorShape(
      channels: channels, height: (height - window) / stride + 1,
      width: (width - window) / stride + 1)
  }
  public var description: String { "(\(channels), \(height), \(width))" }
}

/// A 64-byte-aligned buffer of floats owned by a layer or model (AVX-512 loads are 64 bytes).
final class FloatBuffer {
  let pointer: UnsafeMutablePointer<Float>
  let count: Int

  init(count: Int, zeroed: Bool = true) {
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    self.count = count
    if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
  }

  deinit { pointer.deallocate() }
}
