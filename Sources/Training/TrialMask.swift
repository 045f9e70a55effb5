import Planning
import Scheduling

/// The mask a trial trains under, looked up by its pruning node: nil for a dense trial, and a
/// missing mask is an error (masks are computed before any trial starts, on whatever process
/// runs it).
public enum TrialMask {
  public struct Missing: Error, CustomStringConvertible {
    public var node: TrialKey
    public var description: String { "the pruning mask \(node.short) was not computed" }
  }

  public static func lookUp(
    _ spec: TrialSpec, in masks: (TrialKey) -> [Float]?
  ) -> Result<[Float]?, Missing> {
    guard let node = spec.pruning, spec.sparsity > 0 else { return .success(nil) }
    guard let mask = masks(node.key) else { return .failure(Missing(node: node.key)) }
    return .success(mask)
  }

  /// What `body` makes of the trial's mask, or the failed outcome that names a missing one.
  public static func withMask(
    _ spec: TrialSpec, in masks: (TrialKey) -> [Float]?, _ body: ([Float]?) -> TrialOutcome
  ) -> TrialOutcome {
    switch lookUp(spec, in: masks) {
    case .success(let mask): return body(mask)
    case .failure(let missing): return .failed(message: missing.description)
    }
  }
}
