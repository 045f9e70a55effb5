/// One parameter tensor of a network, located in the flat parameter buffer.
///
/// Pruning works on flat buffers laid out like Network's `ParameterStore`, so a mask it returns
/// can be copied into the store's mask buffer without reordering.
public struct ParameterTensor: Hashable, Sendable, Codable {
  /// Whether the tensor multiplies activations or is added to them.
  public enum Role: String, Hashable, Sendable, Codable {
    case weight
    case bias
  }

  /// Stable name used in reports (for example `conv1.weight`).
  public var name: String
  public var role: Role
  /// Index of the tensor's first entry in the flat buffer.
  public var offset: Int
  /// Shape as stored (convolution weights OIHW, dense weights [out, in]).
  public var shape: [Int]

  public init(name: String, role: Role, offset: Int, shape: [Int]) {
    self.name = name
    self.role = role
    self.offset = offset
    self.shape = shape
  }

  /// Number of entries.
  public var count: Int { shape.reduce(1, *) }

  /// The flat indices the tensor occupies.
  public var range: Range<Int> { offset..<(offset + count) }

  /// Whether this tensor belongs to `set`.
  public func isPrunable(in set: PruningConfiguration.PrunableSet) -> Bool {
    switch set {
    case .weights: role == .weight
    case .weightsAndBiases: true
    }
  }
}
