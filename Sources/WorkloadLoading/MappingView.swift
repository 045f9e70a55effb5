import StepwiseDiagnostics
import YAMLSyntax

/// One mapping of the workload seen through its section's key list. Building it reports every
/// unknown key (with "did you mean"); lookups and `require` report missing keys at `anchor`.
struct MappingView {
  /// Dotted section name as users write it ("dataset.validation"); empty at the top level.
  let section: String
  let node: YAMLNode
  /// Where a missing key is reported: the key that names this mapping, or the mapping itself.
  let anchor: SourceRange
  private let values: [String: YAMLPair]

  init(section: String, node: YAMLNode, pairs: [YAMLPair], anchor: SourceRange) {
    self.section = section
    self.node = node
    self.anchor = anchor
    var values: [String: YAMLPair] = [:]
    for pair in pairs {
      if let key = pair.key.scalar?.value, values[key] == nil { values[key] = pair }
    }
    self.values = values
  }

  subscript(key: String) -> YAMLNode? { values[key]?.value }

  /// The range of the key itself, for notes such as "optimizer kind is set here".
  func keyRange(_ key: String) -> SourceRange? { values[key]?.key.range }

  func has(_ key: String) -> Bool { values[key] != nil }
}
