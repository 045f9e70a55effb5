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
  /// Sparse where the layer keeps at most a fixed fraction of its weights (`KernelRule`): the
  /// same choice in every process and on every machine, so a trial's results never depend on a
  /// timing (a resumed or repeated trial computes the same bits). The default.
  case rule
  /// Time both on the layer's shape and batch and take the faster (ties stay dense). Timings
  /// are noisy on a loaded machine and are taken once per process, so two processes may choose
  /// differently and their results differ in the last bits: for measurements of the kernels
  /// (`stepwise bench --kernels measured`), not for studies.
  case measured

  /// `STEPWISE_SPARSE_KERNELS` (`rule`, `dense`, `sparse`, `measured`); `rule` when unset.
  public static var fromEnvironment: SparseKernelPolicy {
    guard let raw = getenv("STEPWISE_SPARSE_KERNELS") else { return .rule }
    return SparseKernelPolicy(rawValue: String(cString: raw)) ?? .rule
  }
}

/// The density thresholds of `SparseKernelPolicy.rule`, from the per-layer timings that the
/// measured policy prints (`kernels at batch ...` in a run's progress; docs/performance.md,
/// "Sparse kernels"). A sparse kernel's cost falls with the kept fraction, oneDNN's does not:
/// - a layer whose input gradient is needed (every layer but the first) breaks even near 30%
///   kept (Simple-CNN conv2 at batch 16: dense 3.1 ms, sparse 0.75 ms at 7% kept);
/// - the first layer skips the input gradient, so its sparse training pass wins at any pruned
///   density measured (conv1 at 76% kept, 2 threads, quiet: dense 4.5 / 15.3 / 88 ms, sparse
///   2.0 / 6.6 / 28 ms at batch 64 / 256 / 1024), but its forward pass alone does not, so
///   evaluation keeps the general threshold.
public enum KernelRule {
  public static let density = 0.3

  /// The training and evaluation paths of a layer with `density` kept.
  public static func paths(density: Double, needsInputGradient: Bool) -> (
    training: KernelPath, evaluation: KernelPath
  ) {
    let sparse = density <= Self.density
    let training = sparse || (!needsInputGradient && density < 1)
    return (training ? .sparse : .dense, sparse ? .sparse : .dense)
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
