import StepwiseDiagnostics

/// How a scalar was written. The workload language reads types from content, never from style,
/// except that a quoted scalar is always a string.
public enum ScalarStyle: String, Sendable, Hashable, Codable {
  case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A scalar exactly as written (libyaml tags every plain scalar `str`; the language decides).
public struct YAMLScalar: Sendable, Hashable {
  public var value: String
  public var style: ScalarStyle

  public init(_ value: String, style: ScalarStyle = .plain) {
    self.value = value
    self.style = style
  }

  /// True for plain `~`, `null`, `Null`, `NULL` and the empty plain scalar.
  public var isNull: Bool {
    style == .plain && ["", "~", "null", "Null", "NULL"].contains(value)
  }
}

/// One key-value entry of a mapping; the key keeps its own range for "unknown key" diagnostics.
public struct YAMLPair: Sendable, Hashable {
  public var key: YAMLNode
  public var value: YAMLNode

  public init(key: YAMLNode, value: YAMLNode) {
    self.key = key
    self.value = value
  }
}

/// A YAML node with the source range it was read from.
///
/// Aliases are resolved by the loader (each use is a copy of its anchor's node, with the anchor's
/// ranges), subject to the expansion limit in `YAMLLimits`.
public struct YAMLNode: Sendable, Hashable {
  public indirect enum Kind: Sendable, Hashable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode])
    case mapping([YAMLPair])
  }

  public var kind: Kind
  public var range: SourceRange
  /// The explicit tag, if the file wrote one (`!!str`), already resolved to its full form.
  public var tag: String?

  public init(_ kind: Kind, range: SourceRange, tag: String? = nil) {
    self.kind = kind
    self.range = range
    self.tag = tag
  }

  public var scalar: YAMLScalar? {
    if case .scalar(let s) = kind { return s }
    return nil
  }

  public var sequence: [YAMLNode]? {
    if case .sequence(let items) = kind { return items }
    return nil
  }

  public var mapping: [YAMLPair]? {
    if case .mapping(let pairs) = kind { return pairs }
    return nil
  }

  /// "a mapping", "a sequence", "the string 'abc'": for "expected X, found Y" messages.
  public var kindDescription: String {
    switch kind {
    case .scalar(let s) where s.isNull: return "null"
    case .scalar: return "a scalar"
    case .sequence: return "a sequence"
    case .mapping: return "a mapping"
    }
  }
}
