import Kernels

/// Layers applied in order, itself a `Layer` (so a residual block's body is a `Sequential`).
///
/// Workspace, made once in `reserve(maxBatch:)`: one activation buffer per layer output except
/// the last (which writes the caller's `y`), and two gradient buffers of the largest activation
/// size used alternately in backward. Layers that can run in place (ReLU, Flatten) share their
/// input's buffer, forward and backward, unless they are first or last.
public final class Sequential: Layer {
  public let layers: [Layer]
  public let inputShape: TensorShape
  public let outputShape: TensorShape

  /// Output buffer of each layer (unowned pointers into `owned`), for layers 0..<last.
  private var outputs: [UnsafeMutablePointer<Float>?] = []
  private var inPlace: [Bool] = []
  private var owned: [FloatBuffer] = []
  private var gradA = FloatBuffer(count: 0)
  private var gradB = FloatBuffer(count: 0)
  private var maxBatch = 0

  public init(_ layers: [Layer], input: TensorShape) {
    self.layers = layers
    self.inputShape = input
    self.outputShape = layers.last?.outputShape ?? input
  }

  public var parameterDeclarations: [ParameterDeclaration] {
    layers.flatMap(\.parameterDeclarations)
  }

  public var macsPerExample: Int { layers.reduce(0) { $0 + $1.macsPerExample } }

  public func bind(_ bindings: [ParameterBinding]) {
    var rest = bindings[...]
    for layer in layers {
      let n = layer.parameterDeclarations.count
      layer.bind(Array(rest.prefix(n)))
      rest = rest.dropFirst(n)
    }
  }

  public func reserve(maxBatch: Int, context: DNNLContext) throws {
    self.maxBatch = maxBatch
    owned = []
    outputs = []
    inPlace = []
    var largest = inputShape.count
    for (i, layer) in layers.enumerated() {
      largest = max(largest, layer.outputShape.count)
      try layer.reserve(maxBatch: maxBatch, context: context)
      let last = i == layers.count - 1
      let shares = layer.canRunInPlace && i > 0 && !last
      inPlace.append(shares)
      if last {
        outputs.append(nil)
      } else if shares {
        outputs.append(outputs[i - 1])
      } else {
        let b = FloatBuffer(count: maxBatch * layer.outputShape.count)
        owned.append(b)
        outputs.append(b.pointer)
      }
    }
    gradA = FloatBuffer(count: maxBatch * largest)
    gradB = FloatBuffer(count: maxBatch * largest)
  }

  /// Bytes of activation and gradient workspace (for memory reports).
  public var workspaceBytes: Int {
    (owned.reduce(0) { $0 + $1.count } + gradA.count + gradB.count) * 4
  }

  private func input(of i: Int, _ x: UnsafePointer<Float>) -> UnsafePointer<Float> {
    i == 0 ? x : UnsafePointer(outputs[i - 1] ?? UnsafeMutablePointer(mutating: x))
  }

  private func output(of i: Int, _ y: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
    outputs[i] ?? y
  }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int)
    throws
  {
    guard batch <= maxBatch else { throw BatchTooLargeError(batch: batch, maxBatch: maxBatch) }
    for (i, layer) in layers.enumerated() {
      try StepProfiler.measure(Sequential.profileLabel(layer, "fwd")) {
        try layer.forward(input(of: i, x), output(of: i, y), batch: batch)
      }
    }
  }

  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) throws {
    var grad = dy
    let yMutable = UnsafeMutablePointer(mutating: y)
    for i in stride(from: layers.count - 1, through: 0, by: -1) {
      let layer = layers[i]
      let target: UnsafeMutablePointer<Float>?
      if i == 0 {
        target = dx
      } else if inPlace[i] {
        target = UnsafeMutablePointer(mutating: grad)
      } else {
        target = grad == UnsafePointer(gradA.pointer) ? gradB.pointer : gradA.pointer
      }
      try StepProfiler.measure(Sequential.profileLabel(layer, "bwd")) {
        try layer.backward(
          x: input(of: i, x), y: UnsafePointer(output(of: i, yMutable)), dy: grad, dx: target,
          batch: batch, accumulate: accumulate)
      }
      if let target { grad = UnsafePointer(target) }
    }
  }

  /// `StepProfiler` label of one layer call: containers and convolutions are timed inside (their
  /// parts), so their own totals are marked as including them.
  static func profileLabel(_ layer: Layer, _ pass: String) -> String {
    switch layer {
    case let conv as Conv2D: return "\(conv.name) \(pass) (total)"
    case let block as ConvReLUMaxPool: return "\(block.convolution.name)+pool \(pass) (total)"
    case let dense as Dense: return "\(dense.name) \(pass)"
    case is Sequential, is Residual: return "\(type(of: layer)) \(pass) (total)"
    default: return "\(type(of: layer)) \(layer.inputShape) \(pass)"
    }
  }
}
