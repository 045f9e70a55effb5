/// The shape of the activations between two layers: an image-like tensor or a flat vector
/// (the batch dimension is left out).
public enum LayerShape: Hashable, Sendable, CustomStringConvertible {
  case spatial(channels: Int, height: Int, width: Int)
  case flat(Int)

  public var description: String {
    switch self {
    case .spatial(let c, let h, let w): return "\(h)x\(w)x\(c)"
    case .flat(let n): return "\(n)"
    }
  }

  public var elementCount: Int {
    switch self {
    case .spatial(let c, let h, let w): return c * h * w
    case .flat(let n): return n
    }
  }
}

/// Walks a layer list from the input shape, giving each layer's output shape and the parameter
/// count, or the first layer that cannot take its input (and why).
public enum ShapeInference {
  public struct Failure: Error, Hashable, Sendable {
    /// The path of indices to the layer: `[3]`, or `[2, 1]` for layer 1 inside residual 2.
    public var path: [Int]
    public var reason: String
  }

  public struct Result: Hashable, Sendable {
    public var output: LayerShape
    public var parameterCount: Int
  }

  /// Limits arithmetic so that absurd widths report an error instead of overflowing.
  static let maxElements = 1 << 40

  public static func infer(_ layers: [LayerSpec], input: LayerShape)
    -> Swift.Result<Result, Failure>
  {
    var shape = input
    var parameters = 0
    for (index, layer) in layers.enumerated() {
      switch step(layer, shape) {
      case .success(let (next, count)):
        shape = next
        parameters += count
        if parameters > maxElements || shape.elementCount > maxElements {
          return .failure(Failure(path: [index], reason: "the network is too large"))
        }
      case .failure(let failure):
        return .failure(Failure(path: [index] + failure.path, reason: failure.reason))
      }
    }
    return .success(Result(output: shape, parameterCount: parameters))
  }

  private static func window(_ size: Int, _ k: Int, _ s: Int, _ padding: Padding) -> Int? {
    switch padding {
    case .valid: return k > size ? nil : (size - k) / s + 1
    case .same: return (size + s - 1) / s
    }
  }

  private static func step(_ layer: LayerSpec, _ shape: LayerShape)
    -> Swift.Result<(LayerShape, Int), Failure>
  {
    func fail(_ reason: String) -> Swift.Result<(LayerShape, Int), Failure> {
      .failure(Failure(path: [], reason: reason))
    }
    switch layer {
    case .relu:
      return .success((shape, 0))
    case .flatten:
      return .success((.flat(shape.elementCount), 0))
    case .dense(let units, let bias):
      guard case .flat(let n) = shape else {
        return fail(
          "a dense layer needs a flat input, but its input is \(shape); add 'flatten' before it")
      }
      let (weights, overflow) = n.multipliedReportingOverflow(by: units)
      guard !overflow, weights <= maxElements else { return fail("the dense layer is too large") }
      return .success((.flat(units), weights + (bias ? units : 0)))
    case .conv2d(let filters, let kernel, let stride, let padding, let bias):
      guard case .spatial(let c, let h, let w) = shape else {
        return fail("a conv2d layer needs an image-shaped input, but its input is flat (\(shape))")
      }
      guard let oh = window(h, kernel, stride, padding), let ow = window(w, kernel, stride, padding)
      else {
        return fail(
          "the \(kernel)x\(kernel) kernel is larger than its \(h)x\(w) input (valid padding)")
      }
      let weights = kernel * kernel * c * filters
      return .success(
        (.spatial(channels: filters, height: oh, width: ow), weights + (bias ? filters : 0)))
    case .maxPool(let size, let stride), .avgPool(let size, let stride):
      guard case .spatial(let c, let h, let w) = shape else {
        return fail("a pooling layer needs an image-shaped input, but its input is flat (\(shape))")
      }
      guard size <= h, size <= w else {
        return fail("the \(size)x\(size) pooling window is larger than its \(h)x\(w) input")
      }
      return .success(
        (.spatial(channels: c, height: (h - size) / stride + 1, width: (w - size) / stride + 1), 0))
    case .globalAvgPool:
      guard case .spatial(let c, _, _) = shape else {
        return fail(
          "global average pooling needs an image-shaped input, but its input is flat (\(shape))")
      }
      return .success((.flat(c), 0))
    case .residual(let body):
      switch infer(body, input: shape) {
      case .failure(let failure):
        return .failure(failure)
      case .success(let result):
        let out = result.output
        if out == shape { return .success((out, result.parameterCount)) }
        if case .spatial(let ci, let hi, let wi) = shape,
          case .spatial(let co, let ho, let wo) = out,
          co >= ci, ho > 0, wo > 0, hi % ho == 0, wi % wo == 0, hi / ho == wi / wo
        {
          return .success((out, result.parameterCount))
        }
        return fail(
          "the residual body turns \(shape) into \(out); the shortcut can only downsample by a "
            + "whole stride and add channels")
      }
    }
  }
}
