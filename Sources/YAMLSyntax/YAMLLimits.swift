/// Bounds the loader enforces itself, because libyaml 0.2.5 enforces none: a workload is a small
/// hand-written file, and anything far beyond these sizes is a mistake or an attack.
public struct YAMLLimits: Sendable, Hashable {
  /// Largest file accepted, in bytes.
  public var maxFileBytes: Int
  /// Deepest nesting of sequences and mappings (the root collection is depth 1).
  public var maxDepth: Int
  /// Most nodes written in the file (scalars, sequences and mappings, keys included).
  public var maxNodes: Int
  /// Most nodes that aliases may copy in all. A "billion laughs" file reaches it after a few
  /// aliases and is refused without being expanded, because copies share storage.
  public var maxAliasExpansion: Int
  /// Longest scalar, in bytes.
  public var maxScalarBytes: Int

  public init(
    maxFileBytes: Int = 1 << 20, maxDepth: Int = 64, maxNodes: Int = 100_000,
    maxAliasExpansion: Int = 10_000, maxScalarBytes: Int = 65_536
  ) {
    self.maxFileBytes = maxFileBytes
    self.maxDepth = maxDepth
    self.maxNodes = maxNodes
    self.maxAliasExpansion = maxAliasExpansion
    self.maxScalarBytes = maxScalarBytes
  }

  public static let `default` = YAMLLimits()
}
