import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// The state of one check of one file: where diagnostics go and what the checks may read
/// (environment variables for `dataset.directory`, the file's directory for relative paths).
/// Section checks are extensions of this class, one file each.
final class WorkloadChecker {
  let file: SourceFile
  let environment: [String: String]
  private(set) var diagnostics: [Diagnostic] = []

  init(file: SourceFile, environment: [String: String]) {
    self.file = file
    self.environment = environment
  }

  func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

  var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

  // MARK: Mappings

  /// A view of `node` as the mapping for `section`, reporting unknown keys; nil (with a
  /// diagnostic) when it is not a mapping. `anchor` is where missing keys are reported.
  func mapping(
    _ node: YAMLNode, section: String, keys: [String], required: [String] = [],
    anchor: SourceRange? = nil
  ) -> MappingView? {
    let where_ = anchor ?? node.range
    guard let pairs = node.mapping else {
      if node.scalar?.isNull == true {
        report(CommonMessages.emptySection(section, at: where_, required: required))
      } else {
        report(
          CommonMessages.wrongType(
            expected: "a mapping", found: describe(node), what: section, at: node.range))
      }
      return nil
    }
    for pair in pairs {
      // '<<' is reported by the YAML layer as an unsupported merge key.
      guard let key = pair.key.scalar?.value, key != "<<" else { continue }
      if !keys.contains(key) {
        report(
          CommonMessages.unknownKey(key, section: section, allowed: keys, at: pair.key.range))
      }
    }
    let view = MappingView(section: section, node: node, pairs: pairs, anchor: where_)
    for key in required where !view.has(key) {
      report(CommonMessages.missingKey(key, section: section, at: where_, help: nil))
    }
    return view
  }

  /// The full dotted name of a key, for messages.
  func qualified(_ view: MappingView, _ key: String) -> String {
    view.section.isEmpty ? key : "\(view.section).\(key)"
  }

  // MARK: Scalars

  /// "a mapping", "the integer 5", "the string 'abc'": what the user wrote, for type errors.
  func describe(_ node: YAMLNode) -> String {
    guard let scalar = node.scalar else { return node.kindDescription }
    if scalar.isNull { return "null" }
    let text = scalar.value.count > 40 ? String(scalar.value.prefix(40)) + "…" : scalar.value
    if isString(node) { return "the string '\(text)'" }
    if ["true", "false", "True", "False", "TRUE", "FALSE"].contains(scalar.value) {
      return "the boolean \(scalar.value)"
    }
    switch NumberSyntax.classify(scalar.value) {
    case .integer: return "the integer \(text)"
    case .real: return "the real number \(text)"
    case .special: return "the number \(text)"
    case .none: return "the string '\(text)'"
    }
  }

  /// Quoted or `!!str`-tagged scalars are strings, whatever they look like.
  func isString(_ node: YAMLNode) -> Bool {
    guard let scalar = node.scalar else { return false }
    return scalar.style != .plain || node.tag == "tag:yaml.org,2002:str"
  }

  func integer(_ node: YAMLNode, _ what: String) -> Int? {
    guard let (text, number) = numberSyntax(node, what, expected: "an integer") else {
      return nil
    }
    switch number {
    case .integer(let digits):
      guard let value = Int(digits) else {
        report(CommonMessages.integerOverflow(what: what, text: text, at: node.range))
        return nil
      }
      return value
    case .real:
      report(CommonMessages.notAnInteger(what: what, text: text, at: node.range))
    case .special:
      report(CommonMessages.notFinite(what: what, text: text, at: node.range))
    }
    return nil
  }

  /// A real number: integers (`1`), decimals (`0.5`) and exponents (`1e-4`) are all accepted.
  func real(_ node: YAMLNode, _ what: String) -> Double? {
    guard let (text, number) = numberSyntax(node, what, expected: "a number") else { return nil }
    switch number {
    case .integer(let digits), .real(let digits):
      guard let value = Double(digits), value.isFinite else {
        report(CommonMessages.realOverflow(what: what, text: text, at: node.range))
        return nil
      }
      return value
    case .special:
      report(CommonMessages.notFinite(what: what, text: text, at: node.range))
      return nil
    }
  }

  /// A plain scalar that reads as a number, with its text; otherwise reports why not (null, a
  /// collection, a quoted number, or words) and returns nil.
  private func numberSyntax(_ node: YAMLNode, _ what: String, expected: String)
    -> (String, NumberSyntax)?
  {
    guard let scalar = node.scalar, !scalar.isNull else {
      report(
        CommonMessages.wrongType(
          expected: expected, found: describe(node), what: what, at: node.range))
      return nil
    }
    let text = scalar.value
    let number = NumberSyntax.classify(text)
    if isString(node), number != nil {
      report(CommonMessages.quotedNumber(expected: expected, what: what, text: text, at: node.range))
      return nil
    }
    guard !isString(node), let number else {
      report(
        CommonMessages.wrongType(
          expected: expected, found: describe(node), what: what, at: node.range))
      return nil
    }
    return (text, number)
  }

  func string(_ node: YAMLNode, _ what: String) -> String? {
    guard let scalar = node.scalar, !scalar.isNull else {
      report(
        CommonMessages.wrongType(
          expected: "a string", found: describe(node), what: what, at: node.range))
      return nil
    }
    return scalar.value
  }

  func bool(_ node: YAMLNode, _ what: String) -> Bool? {
    if let scalar = node.scalar, !isString(node) {
      switch scalar.value {
      case "true", "True", "TRUE": return true
      case "false", "False", "FALSE": return false
      default: break
      }
    }
    report(
      CommonMessages.wrongType(
        expected: "true or false", found: describe(node), what: what, at: node.range))
    return nil
  }

  /// One of an enumeration's raw values, with "did you mean" for near misses.
  func choice<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, as _: E.Type)
    -> E? where E.RawValue == String
  {
    guard let text = string(node, what) else { return nil }
    if let value = E(rawValue: text) { return value }
    report(
      CommonMessages.unknownValue(
        text, what: what, allowed: E.allCases.map(\.rawValue), at: node.range))
    return nil
  }

  /// A sequence, or nil with a type error.
  func sequence(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
    if let items = node.sequence { return items }
    report(
      CommonMessages.wrongType(
        expected: "a list", found: describe(node), what: what, at: node.range))
    return nil
  }

  /// A sequence of at least one item, or nil with a type or an empty-list error.
  func nonEmptySequence(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
    guard let items = sequence(node, what) else { return nil }
    guard !items.isEmpty else {
      report(CommonMessages.emptyList(what: what, at: node.range))
      return nil
    }
    return items
  }

  /// Whether `value` stands earlier in its list (at `seen[value]`); if so, reports `item` as a
  /// duplicate `what`, written as `text` (default: as the item is written).
  func isDuplicate<Value: Hashable>(
    _ value: Value, _ item: YAMLNode, what: String, text: String? = nil,
    seen: [Value: SourceRange]
  ) -> Bool {
    guard let first = seen[value] else { return false }
    report(
      CommonMessages.duplicateValue(
        text ?? item.scalar?.value ?? "", what: what, at: item.range, first: first))
    return true
  }

  /// An integer that must be at least `minimum` (1 for counts and sizes).
  func integer(_ node: YAMLNode, _ what: String, atLeast minimum: Int) -> Int? {
    guard let value = integer(node, what) else { return nil }
    guard value >= minimum else {
      report(
        CommonMessages.outOfRange(
          what: what, value: String(value), rule: "at least \(minimum)", at: node.range))
      return nil
    }
    return value
  }

  /// A real number that must be greater than `bound`.
  func real(_ node: YAMLNode, _ what: String, above bound: Int, help: String? = nil) -> Double? {
    guard let value = real(node, what) else { return nil }
    guard value > Double(bound) else {
      report(
        CommonMessages.outOfRange(
          what: what, value: node.scalar?.value ?? "", rule: "greater than \(bound)",
          at: node.range, help: help))
      return nil
    }
    return value
  }

  // MARK: Optional helpers

  func optionalInteger(_ view: MappingView, _ key: String, atLeast minimum: Int) -> Int?? {
    guard let node = view[key] else { return .some(nil) }
    guard let value = integer(node, qualified(view, key), atLeast: minimum) else { return nil }
    return .some(value)
  }
}
