import Planning
import WorkloadModel

/// What a pruning mask's scores depend on besides the model and data, which a plan's nodes
/// share: nodes with the same source differ only in sparsity, so one scoring pass serves them
/// all (`MaskBuilder.masks(for:)`).
public struct ScoreSource: Hashable, Sendable {
  public var initSeed: UInt64
  public var method: PruningSpec

  public init(_ node: PruningNode) {
    initSeed = node.initSeed
    method = node.method
  }
}
