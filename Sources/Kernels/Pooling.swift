import Primitives

/// Pooling over NCHW planes with VALID windows (no padding): `out = (in - window) / stride + 1`.
/// Every `(n, c)` plane is independent; loops run over contiguous rows.
public enum Pooling {
  /// Max pool. `argmax` `(N, C, Ho, Wo)` receives the flat index within the input plane of each
  /// maximum (the first one on ties), for the backward pass.
  ///
  /// With `relu`, computes maxpool(relu(x)) as relu(maxpool(x)) (ReLU is monotonic, so the two
  /// are equal, and the gradients too: both send dy to the window's arg-max when the maximum is
  /// positive and nothing otherwise). This skips a full pass over the large pre-pool tensor
  /// forward and backward.
  public static func maxForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    argmax: UnsafeMutablePointer<Int32>, planes: Int, height: Int, width: Int, window: Int,
    stride: Int, relu: Bool = false
  ) {
    let floor: Float = relu ? 0 : -.infinity
    if window == 2 && stride == 2 {
      // The common case (both Simple-CNNs): a 2x2 max of two rows.
      PoolingWindows.forEach(planes: planes, height: height, width: width, window: 2, stride: 2) {
        out, plane, corner in
        let xp = x + plane
        let r1 = corner + width
        var best = xp[corner]
        var at = corner
        if xp[corner + 1] > best { best = xp[corner + 1]; at = corner + 1 }
        if xp[r1] > best { best = xp[r1]; at = r1 }
        if xp[r1 + 1] > best { best = xp[r1 + 1]; at = r1 + 1 }
        y[out] = max(best, floor)
        argmax[out] = Int32(at)
      }
      return
    }
    PoolingWindows.forEach(
      planes: planes, height: height, width: width, window: window, stride: stride
    ) { out, plane, corner in
      let xp = x + plane
      var best = -Float.infinity
      var at = 0
      for di in 0..<window {
        let row = corner + di * width
        for dj in 0..<window where xp[row + dj] > best || (di == 0 && dj == 0) {
          best = xp[row + dj]
          at = row + dj
        }
      }
      y[out] = max(best, floor)
      argmax[out] = Int32(at)
    }
  }

  /// dx = scatter of dy to the argmax positions (accumulating where windows overlap). With
  /// `relu` (see `maxForward`), outputs `y <= 0` send no gradient. Non-overlapping windows that
  /// tile the plane write dx in one pass, without zeroing it first.
  public static func maxBackward(
    _ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, _ dx: UnsafeMutablePointer<Float>,
    planes: Int, height: Int, width: Int, window: Int, stride: Int,
    relu y: UnsafePointer<Float>? = nil
  ) {
    let oh = (height - window) / stride + 1
    let ow = (width - window) / stride + 1
    if window == 2 && stride == 2 && oh * 2 == height && ow * 2 == width {
      PoolingWindows.forEach(planes: planes, height: height, width: width, window: 2, stride: 2) {
        out, plane, c in
        let g = (y.map { $0[out] > 0 } ?? true) ? dy[out] : 0
        let dxp = dx + plane
        let at = Int(argmax[out])
        dxp[c] = at == c ? g : 0
        dxp[c + 1] = at == c + 1 ? g : 0
        dxp[c + width] = at == c + width ? g : 0
        dxp[c + width + 1] = at == c + width + 1 ? g : 0
      }
      return
    }
    dx.update(repeating: 0, count: planes * height * width)
    for p in 0..<planes {
      let dxp = dx + p * height * width
      let dyp = dy + p * oh * ow
      let ap = argmax + p * oh * ow
      for o in 0..<(oh * ow) where y.map({ $0[p * oh * ow + o] > 0 }) ?? true {
        dxp[Int(ap[o])] += dyp[o]
      }
    }
  }

  /// Average pool: the mean of each window.
  public static func averageForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, height: Int,
    width: Int, window: Int, stride: Int
  ) {
    let scale = 1 / Float(window * window)
    PoolingWindows.forEach(
      planes: planes, height: height, width: width, window: window, stride: stride
    ) { out, plane, corner in
      let xp = x + plane + corner
      var s: Float = 0
      for di in 0..<window {
        for dj in 0..<window { s += xp[di * width + dj] }
      }
      y[out] = s * scale
    }
  }

  /// dx: each dy spread evenly over its window (accumulating where windows overlap).
  public static func averageBackward(
    _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, planes: Int, height: Int,
    width: Int, window: Int, stride: Int
  ) {
    let scale = 1 / Float(window * window)
    dx.update(repeating: 0, count: planes * height * width)
    PoolingWindows.forEach(
      planes: planes, height: height, width: width, window: window, stride: stride
    ) { out, plane, corner in
      let g = dy[out] * scale
      let dxp = dx + plane + corner
      for di in 0..<window {
        for dj in 0..<window { dxp[di * width + dj] += g }
      }
    }
  }

  /// Global average pool: `(N, C, H, W)` to `(N, C)`, the mean of each plane.
  public static func globalAverageForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, size: Int
  ) {
    let scale = 1 / Float(size)
    for p in 0..<planes {
      let xp = x + p * size
      var s: Float = 0
      for i in 0..<size { s += xp[i] }
      y[p] = s * scale
    }
  }

  /// dx[p, i] = dy[p] / size.
  public static func globalAverageBackward(
    _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, planes: Int, size: Int
  ) {
    let scale = 1 / Float(size)
    for p in 0..<planes {
      let g = dy[p] * scale
      let dxp = dx + p * size
      for i in 0..<size { dxp[i] = g }
    }
  }
}
