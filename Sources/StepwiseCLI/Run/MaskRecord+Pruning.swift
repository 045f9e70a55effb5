import Planning
import Pruning
import ResultsStore

extension MaskRecord {
  /// The store's record of a pruning node's computed mask: its bits and each prunable layer's
  /// kept and total counts.
  init(node: PruningNode, result: PruningResult) {
    self.init(
      key: node.key, sparsity: node.sparsity, method: node.method.method.rawValue,
      layerDensity: result.layers.filter(\.prunable).map {
        MaskRecord.LayerDensity(layer: $0.name, kept: $0.kept, total: $0.total)
      },
      mask: PackedMask(keeping: result.mask))
  }
}
