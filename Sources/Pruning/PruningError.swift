/// Why a mask could not be computed.
public enum PruningError: Error, Equatable, CustomStringConvertible {
  /// Sparsity outside [0, 1].
  case invalidSparsity(Double)
  /// The data ran out before the method had the examples it needs.
  case notEnoughData(needed: String, got: Int)
  /// A label outside `0..<classCount`.
  case labelOutOfRange(Int)
  /// The method cannot run with these inputs (for example GraSP over an unbounded split).
  case unsupported(String)
  /// A model description or buffer that does not fit together.
  case invalidModel(String)

  public var description: String {
    switch self {
    case .invalidSparsity(let value): "sparsity \(value) is outside [0, 1]"
    case .notEnoughData(let needed, let got): "pruning needs \(needed) but the data held \(got)"
    case .labelOutOfRange(let label): "label \(label) is outside the configured classes"
    case .unsupported(let reason): reason
    case .invalidModel(let reason): reason
    }
  }
}
