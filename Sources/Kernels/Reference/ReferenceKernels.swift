import Primitives

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Naive kernels, written for clarity and checked against finite differences in `Double`. The
/// fast kernels are tested against these. Layouts match the fast ones: activations NCHW,
/// conv weights OIHW, dense weights `(out, in)`. Gradients are returned, never accumulated.
public enum Reference {
  // MARK: Convolution

  /// Every product of the convolution `g`, in order: for each output (n, o, i, j), first
  /// `output(y, o)`, then `tap(y, x, w)` for each (c, di, dj) whose input is not padding, with
  /// `y`, `x` and `w` the flat indices of the output, the input and the weight.
  static func forEachConvolutionTap(
    _ g: ConvGeometry, output: (_ y: Int, _ o: Int) -> Void,
    tap: (_ y: Int, _ x: Int, _ w: Int) -> Void
  ) {
    let (oh, ow) = (g.outHeight, g.outWidth)
    for n in 0..<g.batch {
      for o in 0..<g.outChannels {
        for i in 0..<oh {
          for j in 0..<ow {
            let yi = ((n * g.outChannels + o) * oh + i) * ow + j
            output(yi, o)
            for c in 0..<g.inChannels {
              for di in 0..<g.kernelHeight {
                let r = i * g.strideHeight - g.padTop + di
                guard r >= 0 && r < g.inHeight else { continue }
                for dj in 0..<g.kernelWidth {
                  let q = j * g.strideWidth - g.padLeft + dj
                  guard q >= 0 && q < g.inWidth else { continue }
                  let xi = ((n * g.inChannels + c) * g.inHeight + r) * g.inWidth + q
                  let wi = ((o * g.inChannels + c) * g.kernelHeight + di) * g.kernelWidth + dj
                  tap(yi, xi, wi)
                }
              }
            }
          }
        }
      }
    }
  }

  /// y[n, o, i, j] = b[o] + sum_{c, di, dj} x[n, c, i*s - padTop + di, j*s - padLeft + dj]
  /// * w[o, c, di, dj], with zeros outside the input.
  public static func convForward<T: BinaryFloatingPoint>(
    _ x: [T], _ w: [T], _ b: [T], _ g: ConvGeometry
  ) -> [T] {
    var y = [T](repeating: 0, count: g.batch * g.outChannels * g.outHeight * g.outWidth)
    forEachConvolutionTap(
      g, output: { yi, o in y[yi] = b[o] }, tap: { yi, xi, wi in y[yi] += x[xi] * w[wi] })
    return y
  }

  /// Gradients of `convForward` given dy: (dx, dw, db).
  public static func convBackward<T: BinaryFloatingPoint>(
    _ x: [T], _ w: [T], _ dy: [T], _ g: ConvGeometry
  ) -> (dx: [T], dw: [T], db: [T]) {
    var dx = [T](repeating: 0, count: x.count)
    var dw = [T](repeating: 0, count: w.count)
    var db = [T](repeating: 0, count: g.outChannels)
    var d: T = 0
    forEachConvolutionTap(
      g,
      output: { yi, o in
        d = dy[yi]
        db[o] += d
      },
      tap: { _, xi, wi in
        dx[xi] += d * w[wi]
        dw[wi] += d * x[xi]
      })
    return (dx, dw, db)
  }

  // MARK: Dense

  /// y[n, o] = b[o] + sum_i x[n, i] * w[o, i]; w is `(out, in)` like PyTorch's Linear.
  public static func denseForward<T: BinaryFloatingPoint>(
    _ x: [T], _ w: [T], _ b: [T], batch: Int, inputs: Int, outputs: Int
  ) -> [T] {
    var y = [T](repeating: 0, count: batch * outputs)
    for n in 0..<batch {
      for o in 0..<outputs {
        var s = b[o]
        for i in 0..<inputs { s += x[n * inputs + i] * w[o * inputs + i] }
        y[n * outputs + o] = s
      }
    }
    return y
  }

  public static func denseBackward<T: BinaryFloatingPoint>(
    _ x: [T], _ w: [T], _ dy: [T], batch: Int, inputs: Int, outputs: Int
  ) -> (dx: [T], dw: [T], db: [T]) {
    var dx = [T](repeating: 0, count: batch * inputs)
    var dw = [T](repeating: 0, count: outputs * inputs)
    var db = [T](repeating: 0, count: outputs)
    for n in 0..<batch {
      for o in 0..<outputs {
        let d = dy[n * outputs + o]
        db[o] += d
        for i in 0..<inputs {
          dx[n * inputs + i] += d * w[o * inputs + i]
          dw[o * inputs + i] += d * x[n * inputs + i]
        }
      }
    }
    return (dx, dw, db)
  }

  // MARK: Activation

  public static func reluForward<T: BinaryFloatingPoint>(_ x: [T]) -> [T] {
    x.map { $0 > 0 ? $0 : 0 }
  }

  /// dx = dy where x > 0 (the subgradient at 0 is 0, as in TensorFlow and PyTorch).
  public static func reluBackward<T: BinaryFloatingPoint>(_ x: [T], _ dy: [T]) -> [T] {
    zip(x, dy).map { $0 > 0 ? $1 : 0 }
  }

  // MARK: Pooling (VALID windows over NCHW planes)

  /// The VALID windows over `planes` planes, in output order: the input indices each covers,
  /// row-major.
  static func poolingWindows(planes: Int, height: Int, width: Int, window: Int, stride: Int)
    -> [[Int]]
  {
    var windows: [[Int]] = []
    PoolingWindows.forEach(
      planes: planes, height: height, width: width, window: window, stride: stride
    ) { _, plane, corner in
      windows.append(
        (0..<window).flatMap { di in (0..<window).map { dj in plane + corner + di * width + dj } })
    }
    return windows
  }

  public static func maxPoolForward<T: BinaryFloatingPoint>(
    _ x: [T], planes: Int, height: Int, width: Int, window: Int, stride: Int
  ) -> [T] {
    poolingWindows(planes: planes, height: height, width: width, window: window, stride: stride)
      .map { indices in indices.reduce(x[indices[0]]) { max($0, x[$1]) } }
  }

  /// The gradient goes to the first maximum of each window (row-major order).
  public static func maxPoolBackward<T: BinaryFloatingPoint>(
    _ x: [T], _ dy: [T], planes: Int, height: Int, width: Int, window: Int, stride: Int
  ) -> [T] {
    var dx = [T](repeating: 0, count: x.count)
    let windows = poolingWindows(
      planes: planes, height: height, width: width, window: window, stride: stride)
    for (o, indices) in windows.enumerated() {
      var at = indices[0]
      for k in indices where x[k] > x[at] { at = k }
      dx[at] += dy[o]
    }
    return dx
  }

  public static func avgPoolForward<T: BinaryFloatingPoint>(
    _ x: [T], planes: Int, height: Int, width: Int, window: Int, stride: Int
  ) -> [T] {
    poolingWindows(planes: planes, height: height, width: width, window: window, stride: stride)
      .map { indices in indices.reduce(T(0)) { $0 + x[$1] } / T(window * window) }
  }

  public static func avgPoolBackward<T: BinaryFloatingPoint>(
    _ dy: [T], planes: Int, height: Int, width: Int, window: Int, stride: Int
  ) -> [T] {
    var dx = [T](repeating: 0, count: planes * height * width)
    let windows = poolingWindows(
      planes: planes, height: height, width: width, window: window, stride: stride)
    for (o, indices) in windows.enumerated() {
      let g = dy[o] / T(window * window)
      for k in indices { dx[k] += g }
    }
    return dx
  }

  public static func globalAvgPoolForward<T: BinaryFloatingPoint>(
    _ x: [T], planes: Int, size: Int
  ) -> [T] {
    (0..<planes).map { p in x[(p * size)..<((p + 1) * size)].reduce(0, +) / T(size) }
  }

  public static func globalAvgPoolBackward<T: BinaryFloatingPoint>(
    _ dy: [T], planes: Int, size: Int
  ) -> [T] {
    (0..<(planes * size)).map { dy[$0 / size] / T(size) }
  }

  // MARK: Residual shortcut

  /// The zero-padded shortcut of Lee et al.'s ResNet: average pool of `stride` (window =
  /// stride), then channels `inChannels..<outChannels` are zero. Identity when both are trivial.
  public static func shortcutForward<T: BinaryFloatingPoint>(
    _ x: [T], batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, stride: Int
  ) -> [T] {
    let pooled = avgPoolForward(
      x, planes: batch * inChannels, height: height, width: width, window: stride,
      stride: stride)
    let plane = (height / stride) * (width / stride)
    var y = [T](repeating: 0, count: batch * outChannels * plane)
    for (narrow, wide) in shortcutEntries(batch, inChannels, outChannels, plane) {
      y[wide] = pooled[narrow]
    }
    return y
  }

  /// The entries the shortcut carries, as index pairs into the `inChannels`-wide pooled tensor
  /// and the `outChannels`-wide output: every example's first `inChannels` channels.
  static func shortcutEntries(_ batch: Int, _ inChannels: Int, _ outChannels: Int, _ plane: Int)
    -> [(narrow: Int, wide: Int)]
  {
    (0..<batch).flatMap { n in
      (0..<(inChannels * plane)).map { k in
        (narrow: n * inChannels * plane + k, wide: n * outChannels * plane + k)
      }
    }
  }

  public static func shortcutBackward<T: BinaryFloatingPoint>(
    _ dy: [T], batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, stride: Int
  ) -> [T] {
    let plane = (height / stride) * (width / stride)
    var dp = [T](repeating: 0, count: batch * inChannels * plane)
    for (narrow, wide) in shortcutEntries(batch, inChannels, outChannels, plane) {
      dp[narrow] = dy[wide]
    }
    return avgPoolBackward(
      dp, planes: batch * inChannels, height: height, width: width, window: stride,
      stride: stride)
  }

  // MARK: Loss

  /// Mean softmax cross-entropy over the rows and its gradient with respect to the logits.
  public static func softmaxCrossEntropy<T: BinaryFloatingPoint>(
    _ z: [T], labels: [Int], classes: Int
  ) -> (loss: T, dz: [T]) {
    let rows = labels.count
    var loss = 0.0
    var dz = [T](repeating: 0, count: z.count)
    for r in 0..<rows {
      let row = (0..<classes).map { Double(z[r * classes + $0]) }
      let m = row.max() ?? 0
      let e = row.map { exp($0 - m) }
      let s = e.reduce(0, +)
      loss += log(s) + m - row[labels[r]]
      for k in 0..<classes {
        dz[r * classes + k] = T((e[k] / s - (k == labels[r] ? 1 : 0)) / Double(rows))
      }
    }
    return (T(loss / Double(rows)), dz)
  }
}
