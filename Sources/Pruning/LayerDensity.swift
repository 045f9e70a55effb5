/// How much of one parameter tensor a mask keeps: the data behind the report's "which layers does
/// SNIP prune" figure.
public struct LayerDensity: Hashable, Sendable, Codable {
  public var name: String
  public var role: ParameterTensor.Role
  /// Whether the configuration let the method prune this tensor.
  public var prunable: Bool
  public var total: Int
  public var kept: Int

  public init(name: String, role: ParameterTensor.Role, prunable: Bool, total: Int, kept: Int) {
    self.name = name
    self.role = role
    self.prunable = prunable
    self.total = total
    self.kept = kept
  }

  /// Fraction kept, in [0, 1].
  public var density: Double { total == 0 ? 1 : Double(kept) / Double(total) }
}
