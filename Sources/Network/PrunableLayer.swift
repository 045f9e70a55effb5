import Kernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a layer with prunable weights computes.
public enum KernelPath: String, Sendable, Hashable {
  /// oneDNN on the masked dense weights.
  case dense
  /// `SparseConvolutionKernel` / `SparseDenseKernel` on the kept weights only.
  case sparse
}

/// How `Model.setMask` picks each prunable layer's path.
public enum SparseKernelPolicy: String, Sendable, Hashable {
  /// Always dense (the masked oneDNN kernels).
  case dense
  /// Sparse wherever the mask prunes anything.
  case sparse
  /// Time both on the layer's shape and batch and take the faster (ties stay dense), so a pruned
  /// network is never slower than its dense form.
  case measured

  /// `STEPWISE_SPARSE_KERNELS` (`dense`, `sparse`, `measured`); `measured` when unset.
  public static var fromEnvironment: SparseKernelPolicy {
    guard let raw = getenv("STEPWISE_SPARSE_KERNELS") else { return .measured }
    return SparseKernelPolicy(rawValue: String(cString: raw)) ?? .measured
  }
}

/// The path one prunable layer took, and why.
public struct LayerPathChoice: Sendable, Hashable, CustomStringConvertible {
  public var layer: String
  /// Kept fraction of the layer's weights.
  public var density: Double
  public var path: KernelPath
  /// The path of forward-only evaluation (`Model.evaluate`, `logits`), chosen on forward
  /// timings alone.
  public var evaluationPath: KernelPath = .dense
  /// Seconds of one forward and backward pass at `batch` on each path (nil: not measured).
  public var denseSeconds: Double?
  public var sparseSeconds: Double?
  public var batch: Int

  public var description: String {
    /// Three decimals without Foundation.
    func fixed(_ v: Double) -> String { "\((v * 1000).rounded() / 1000)" }
    var text = "\(layer) \(path.rawValue)"
    if evaluationPath != path { text += " (evaluation \(evaluationPath.rawValue))" }
    text += " (density \(fixed(density))"
    if let d = denseSeconds, let s = sparseSeconds {
      text += ", dense \(fixed(d * 1e3)) ms, sparse \(fixed(s * 1e3)) ms at batch \(batch)"
    }
    return text + ")"
  }
}

/// A layer whose weight tensor a mask can prune, with a sparse kernel beside its dense one.
protocol PrunableLayer: Layer {
  var layerName: String { get }
  /// Kept fraction of the weights under the bound mask (1 without one).
  var weightDensity: Double { get }
  var path: KernelPath { get set }
  /// Builds the sparse kernel from the bound mask (`path` stays as it was).
  func buildSparseKernel()
  /// Drops the sparse kernel and returns to the dense path.
  func dropSparseKernel()
}

extension ParameterBinding {
  /// Kept fraction of `count` entries under the mask (1 without one).
  func density(count: Int) -> Double {
    guard let mask, count > 0 else { return 1 }
    var kept = 0
    for i in 0..<count where mask[i] != 0 { kept += 1 }
    return Double(kept) / Double(count)
  }
}
