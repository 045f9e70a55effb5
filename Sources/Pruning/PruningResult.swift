import Primitives

/// A mask and what it cost, ready to store as a plan node and to copy into a parameter store.
public struct PruningResult: Hashable, Sendable, Codable {
  public var configuration: PruningConfiguration
  /// One entry per parameter, in the flat layout of the network's tensors: 1 keeps, 0 prunes.
  /// Parameters outside the prunable set are 1.
  public var mask: [Float]
  /// Survivors in the prunable set (κ).
  public var keptCount: Int
  /// Size of the prunable set (N).
  public var prunableCount: Int
  /// Per tensor, in buffer order.
  public var layers: [LayerDensity]
  /// Examples the method read.
  public var examples: Int
  /// Wall-clock seconds spent computing the mask; 0 when no work was needed.
  public var seconds: Double

  public init(
    configuration: PruningConfiguration, mask: [Float], keptCount: Int, prunableCount: Int,
    layers: [LayerDensity], examples: Int, seconds: Double
  ) {
    self.configuration = configuration
    self.mask = mask
    self.keptCount = keptCount
    self.prunableCount = prunableCount
    self.layers = layers
    self.examples = examples
    self.seconds = seconds
  }

  /// Fraction of the prunable set removed.
  public var achievedSparsity: Double {
    prunableCount == 0 ? 0 : 1 - Double(keptCount) / Double(prunableCount)
  }

  /// 64-bit FNV-1a over the mask, one byte (0 or 1) per parameter in buffer order, as 16 hex
  /// digits: equal digests mean equal masks for the same network, whatever the method.
  public var digest: String {
    var hash = FNV1a()
    for value in mask { hash.combine(value == 0 ? UInt8(0) : UInt8(1)) }
    return hash.hex
  }

  /// Flat indices of the pruned parameters, ascending.
  public var prunedIndices: [Int] { mask.indices.filter { mask[$0] == 0 } }
}
