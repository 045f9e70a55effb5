/// Zero padding of a `SequentialModel` convolution.
///
/// An integer literal is PyTorch's symmetric `padding=`. `.same` is TensorFlow's (and Network's
/// `ConvPadding.same`): out = ceil(in / stride), and the total padding
/// max((out - 1) stride + k - in, 0) is split with the odd one at the bottom/right, which a
/// symmetric padding cannot express for ResNet-8's stride-2 convolutions on even sizes.
public enum ConvolutionPadding: Hashable, Sendable, ExpressibleByIntegerLiteral {
  case symmetric(Int)
  case same

  public init(integerLiteral value: Int) { self = .symmetric(value) }

  /// (before, after) along one axis of `input` entries.
  func pads(input: Int, kernel: Int, stride: Int) -> (before: Int, after: Int) {
    switch self {
    case .symmetric(let pad): return (pad, pad)
    case .same:
      let out = (input + stride - 1) / stride
      let total = max((out - 1) * stride + kernel - input, 0)
      return (total / 2, total - total / 2)
    }
  }
}
