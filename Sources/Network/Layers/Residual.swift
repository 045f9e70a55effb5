import Kernels

/// y = body(x) + shortcut(x). The shortcut is the identity when the body keeps the shape;
/// otherwise (Lee et al.'s ResNet-8) an average pool with window = stride = H / Ho, then the
/// channels `Cin..<Cout` are zero ("zero-padded channel shortcut"), so it has no parameters.
///
/// Lee et al.'s pre-activation block is `relu` before both branches when the shape changes and
/// `shortcut = x` (before relu) when it does not; `ModelDescription.resnet8` writes the first as
/// `relu, residual([conv, relu, conv])` and the second as `residual([relu, conv, relu, conv])`.
public final class Residual: Layer {
  public let body: Sequential
  public var inputShape: TensorShape { body.inputShape }
  public var outputShape: TensorShape { body.outputShape }
  /// The body's output before the shortcut is added, `(N, Cout, Ho, Wo)`.
  private var bodyOutput = FloatBuffer(count: 0)
  let poolStride: Int

  public init(body: Sequential) {
    self.body = body
    poolStride = max(1, body.inputShape.height / max(body.outputShape.height, 1))
    precondition(
      body.outputShape.channels >= body.inputShape.channels
        && body.outputShape.height * poolStride == body.inputShape.height
        && body.outputShape.width * poolStride == body.inputShape.width,
      "residual body \(body.inputShape) -> \(body.outputShape) has no zero-pad shortcut")
  }

  public var parameterDeclarations: [ParameterDeclaration] { body.parameterDeclarations }
  public var macsPerExample: Int { body.macsPerExample }
  public func bind(_ bindings: [ParameterBinding]) { body.bind(bindings) }

  public func reserve(maxBatch: Int, context: DNNLContext) throws {
    try body.reserve(maxBatch: maxBatch, context: context)
    bodyOutput = FloatBuffer(count: maxBatch * outputShape.count)
  }

  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int)
    throws
  {
    try body.forward(x, bodyOutput.pointer, batch: batch)
    let body = bodyOutput.pointer
    let perExample = outputShape.count
    KernelThreads.parallelFor(batch, minimumPerThread: examplesPerThread) { examples in
      for n in examples {
        (y + n * perExample).update(from: body + n * perExample, count: perExample)
        addShortcut(x, into: y, example: n)
      }
    }
  }

  /// Examples below which a split across threads costs more than it saves (about 32K floats).
  private var examplesPerThread: Int { max(1, 32768 / max(outputShape.count, 1)) }

  /// y[n] += shortcut(x)[n] for one example.
  private func addShortcut(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, example n: Int
  ) {
    let (cin, cout) = (inputShape.channels, outputShape.channels)
    let plane = outputShape.height * outputShape.width
    let inPlane = inputShape.height * inputShape.width
    for c in 0..<cin {
      let yp = y + (n * cout + c) * plane
      let xp = x + (n * cin + c) * inPlane
      if poolStride == 1 {
        VectorOps.add(xp, into: yp, count: plane)
      } else {
        accumulatePooled(xp, into: yp)
      }
    }
  }

  /// yp += avgpool_s(xp) over one plane.
  private func accumulatePooled(_ xp: UnsafePointer<Float>, into yp: UnsafeMutablePointer<Float>) {
    let (s, w, ow) = (poolStride, inputShape.width, outputShape.width)
    let scale = 1 / Float(s * s)
    for i in 0..<outputShape.height {
      for j in 0..<ow {
        var acc: Float = 0
        for di in 0..<s {
          let row = xp + (i * s + di) * w + j * s
          for dj in 0..<s { acc += row[dj] }
        }
        yp[i * ow + j] += acc * scale
      }
    }
  }

  /// dx = body'(dy) + shortcut'(dy): identity, or dy of the first Cin channels spread evenly
  /// over each pooling window (the padded channels get no gradient).
  public func backward(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, batch: Int, accumulate: Bool
  ) throws {
    try body.backward(
      x: x, y: bodyOutput.pointer, dy: dy, dx: dx, batch: batch, accumulate: accumulate)
    guard let dx else { return }
    KernelThreads.parallelFor(batch, minimumPerThread: examplesPerThread) { examples in
      for n in examples { addShortcutGradient(dy, into: dx, example: n) }
    }
  }

  /// dx[n] += shortcut'(dy)[n] for one example.
  private func addShortcutGradient(
    _ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, example n: Int
  ) {
    let (cin, cout) = (inputShape.channels, outputShape.channels)
    let plane = outputShape.height * outputShape.width
    let inPlane = inputShape.height * inputShape.width
    let (s, w, ow) = (poolStride, inputShape.width, outputShape.width)
    let scale = 1 / Float(s * s)
    for c in 0..<cin {
      let dyp = dy + (n * cout + c) * plane
      let dxp = dx + (n * cin + c) * inPlane
      if s == 1 {
        VectorOps.add(dyp, into: dxp, count: plane)
        continue
      }
      for i in 0..<outputShape.height {
        for j in 0..<ow {
          let g = dyp[i * ow + j] * scale
          for di in 0..<s {
            let row = dxp + (i * s + di) * w + j * s
            for dj in 0..<s { row[dj] += g }
          }
        }
      }
    }
  }
}
