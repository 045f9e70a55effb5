internal import CYAML
import StepwiseDiagnostics

/// Reads one workload file into a `YAMLNode` tree from libyaml's *events* (`yaml_parser_parse`),
/// so that every node carries its source range and every limit is checked as the tree grows.
///
/// The language's YAML subset (see `grammar/README.md`):
/// - UTF-8 only; a leading byte-order mark is accepted and skipped.
/// - One document per file; a second one is refused at its start.
/// - Anchors and aliases are allowed within `YAMLLimits.maxAliasExpansion`; an alias is a copy of
///   its anchor's node (ranges included). The merge key `<<` is refused.
/// - Only the core tags `!!str !!int !!float !!bool !!null !!seq !!map` are accepted.
/// - Mapping keys are scalars and appear once per mapping.
///
/// It never throws, traps or hangs: every problem becomes a diagnostic.
public struct YAMLLoader: Sendable {
  public var limits: YAMLLimits

  public init(limits: YAMLLimits = .default) {
    self.limits = limits
  }

  /// The root node (nil when the file holds no document, or could not be read) and the problems.
  /// When any error is returned the root, if present, is still usable for further checks.
  public func load(_ file: SourceFile) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
    let bytes = file.bytes
    if bytes.count > limits.maxFileBytes {
      return (nil, [YAMLMessages.fileTooLarge(file, limit: limits.maxFileBytes)])
    }
    if bytes.count >= 2,
      (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE)
    {
      return (nil, [YAMLMessages.notUTF8(file)])
    }
    let start = file.hasByteOrderMark ? 3 : 0
    let table: UTF8Check
    switch UTF8Check.check(bytes, from: start) {
    case .success(let t): table = t
    case .failure(let failure):
      return (nil, [YAMLMessages.invalidUTF8(file, failure)])
    }
    var builder = TreeBuilder(file: file, table: table, limits: limits)
    bytes.withUnsafeBufferPointer { buffer in
      builder.parse(buffer, from: start)
    }
    return (builder.root, builder.diagnostics)
  }
}

/// Turns the event stream into nodes: one frame per open collection.
private struct TreeBuilder {
  let file: SourceFile
  let table: UTF8Check
  let limits: YAMLLimits
  var root: YAMLNode?
  var diagnostics: [Diagnostic] = []

  private struct Anchor {
    var node: YAMLNode
    var nodeCount: Int
  }

  private enum Content {
    case sequence([YAMLNode])
    case mapping([YAMLPair], pendingKey: YAMLNode?, seen: [String: SourceRange])
  }

  private struct Frame {
    var start: SourcePosition
    var anchor: String?
    var tag: String?
    var content: Content
    var nodeCount = 1
  }

  private var stack: [Frame] = []
  private var anchors: [String: Anchor] = [:]
  private var nodes = 0
  private var aliasCopies = 0
  private var documents = 0
  private var firstDocument: SourceRange?

  init(file: SourceFile, table: UTF8Check, limits: YAMLLimits) {
    self.file = file
    self.table = table
    self.limits = limits
  }

  // MARK: Positions

  func position(_ mark: yaml_mark_t) -> SourcePosition {
    let index = min(Int(mark.index), table.byteOffsets.count - 1)
    return file.position(ofByte: table.byteOffsets[max(0, index)])
  }

  func range(_ start: yaml_mark_t, _ end: yaml_mark_t) -> SourceRange {
    SourceRange(path: file.path, start: position(start), end: position(end))
  }

  func range(_ start: SourcePosition, _ end: yaml_mark_t) -> SourceRange {
    SourceRange(path: file.path, start: start, end: position(end))
  }

  // MARK: Parsing

  mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) {
    let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    defer { parser.deallocate() }
    guard yaml_parser_initialize(parser) == 1 else {
      diagnostics.append(YAMLMessages.parserUnavailable(file))
      return
    }
    defer { yaml_parser_delete(parser) }
    let base = buffer.baseAddress.map { $0 + start }
    let count = buffer.count - start
    if let base {
      yaml_parser_set_input_string(parser, base, count)
    } else {
      // An empty file: libyaml still wants a pointer; give it a valid empty one.
      let empty: [UInt8] = [0]
      empty.withUnsafeBufferPointer { yaml_parser_set_input_string(parser, $0.baseAddress, 0) }
    }
    yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    var event = yaml_event_t()
    while true {
      guard yaml_parser_parse(parser, &event) == 1 else {
        reportParserError(parser.pointee, inputStart: start)
        return
      }
      defer { yaml_event_delete(&event) }
      let keepGoing = handle(&event)
      if event.type == YAML_STREAM_END_EVENT || !keepGoing { return }
    }
  }

  /// Handles one event; false stops the parse (a limit was hit or a second document began).
  private mutating func handle(_ event: inout yaml_event_t) -> Bool {
    switch event.type {
    case YAML_DOCUMENT_START_EVENT:
      documents += 1
      let here = range(event.start_mark, event.end_mark)
      if documents > 1 {
        diagnostics.append(YAMLMessages.multipleDocuments(at: here, first: firstDocument))
        return false
      }
      firstDocument = here
      return true
    case YAML_SCALAR_EVENT:
      let data = event.data.scalar
      let nodeRange = range(event.start_mark, event.end_mark)
      let length = Int(data.length)
      if length > limits.maxScalarBytes {
        diagnostics.append(YAMLMessages.scalarTooLong(at: nodeRange, limit: limits.maxScalarBytes))
      }
      let value =
        data.value.map {
          String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        ?? ""
      let style: ScalarStyle
      switch data.style {
      case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
      case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
      case YAML_LITERAL_SCALAR_STYLE: style = .literal
      case YAML_FOLDED_SCALAR_STYLE: style = .folded
      default: style = .plain
      }
      let tag = checkedTag(cString(data.tag), kind: .scalar, at: nodeRange)
      let node = YAMLNode(.scalar(YAMLScalar(value, style: style)), range: nodeRange, tag: tag)
      guard count(nodes: 1, at: nodeRange) else { return false }
      return add(node, nodeCount: 1, anchor: cString(data.anchor))
    case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
      let isSequence = event.type == YAML_SEQUENCE_START_EVENT
      let startRange = range(event.start_mark, event.end_mark)
      if stack.count + 1 > limits.maxDepth {
        diagnostics.append(YAMLMessages.tooDeep(at: startRange, limit: limits.maxDepth))
        return false
      }
      guard count(nodes: 1, at: startRange) else { return false }
      let rawTag = isSequence ? event.data.sequence_start.tag : event.data.mapping_start.tag
      let rawAnchor =
        isSequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
      let tag = checkedTag(cString(rawTag), kind: isSequence ? .sequence : .mapping, at: startRange)
      stack.append(
        Frame(
          start: startRange.start, anchor: cString(rawAnchor), tag: tag,
          content: isSequence ? .sequence([]) : .mapping([], pendingKey: nil, seen: [:])))
      return true
    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
      guard let frame = stack.popLast() else { return true }
      let nodeRange = range(frame.start, event.end_mark)
      let kind: YAMLNode.Kind
      switch frame.content {
      case .sequence(let items): kind = .sequence(items)
      case .mapping(let pairs, _, _): kind = .mapping(pairs)
      }
      return add(
        YAMLNode(kind, range: nodeRange, tag: frame.tag), nodeCount: frame.nodeCount,
        anchor: frame.anchor)
    case YAML_ALIAS_EVENT:
      let name = cString(event.data.alias.anchor) ?? ""
      let aliasRange = range(event.start_mark, event.end_mark)
      guard let anchor = anchors[name] else {
        diagnostics.append(YAMLMessages.undefinedAlias(name, at: aliasRange))
        let placeholder = YAMLNode(.scalar(YAMLScalar("")), range: aliasRange)
        return add(placeholder, nodeCount: 1, anchor: nil)
      }
      aliasCopies += anchor.nodeCount
      if aliasCopies > limits.maxAliasExpansion {
        diagnostics.append(
          YAMLMessages.aliasExpansion(
            name, at: aliasRange, anchor: anchor.node.range, limit: limits.maxAliasExpansion))
        return false
      }
      return add(anchor.node, nodeCount: anchor.nodeCount, anchor: nil)
    default:
      return true
    }
  }

  private mutating func count(nodes added: Int, at range: SourceRange) -> Bool {
    nodes += added
    if nodes > limits.maxNodes {
      diagnostics.append(YAMLMessages.tooManyNodes(at: range, limit: limits.maxNodes))
      return false
    }
    return true
  }

  /// Attaches a finished node to its parent (or makes it the root) and records its anchor.
  private mutating func add(_ node: YAMLNode, nodeCount: Int, anchor: String?) -> Bool {
    if let anchor {
      anchors[anchor] = Anchor(node: node, nodeCount: nodeCount)
    }
    guard var frame = stack.popLast() else {
      if root == nil { root = node }
      return true
    }
    frame.nodeCount += nodeCount
    switch frame.content {
    case .sequence(var items):
      frame.content = .sequence([])
      items.append(node)
      frame.content = .sequence(items)
    case .mapping(var pairs, let pendingKey, var seen):
      frame.content = .mapping([], pendingKey: nil, seen: [:])
      if let key = pendingKey {
        if let keyText = key.scalar?.value {
          if let first = seen[keyText] {
            diagnostics.append(YAMLMessages.duplicateKey(keyText, at: key.range, first: first))
          } else {
            seen[keyText] = key.range
            pairs.append(YAMLPair(key: key, value: node))
          }
        }
        frame.content = .mapping(pairs, pendingKey: nil, seen: seen)
      } else {
        if let scalar = node.scalar {
          if scalar.value == "<<", scalar.style == .plain {
            diagnostics.append(YAMLMessages.mergeKey(at: node.range))
          }
        } else {
          diagnostics.append(YAMLMessages.complexKey(at: node.range, found: node.kindDescription))
        }
        frame.content = .mapping(pairs, pendingKey: node, seen: seen)
      }
    }
    stack.append(frame)
    return true
  }

  // MARK: Tags

  enum NodeKind { case scalar, sequence, mapping }

  private static let corePrefix = "tag:yaml.org,2002:"

  /// The tag if the language accepts it on this kind of node; otherwise a diagnostic and nil.
  private mutating func checkedTag(_ tag: String?, kind: NodeKind, at range: SourceRange)
    -> String?
  {
    guard let tag else { return nil }
    let short = tag.hasPrefix(Self.corePrefix) ? String(tag.dropFirst(Self.corePrefix.count)) : nil
    let fits: Bool
    switch (short, kind) {
    case ("str", .scalar), ("int", .scalar), ("float", .scalar), ("bool", .scalar),
      ("null", .scalar), ("seq", .sequence), ("map", .mapping):
      fits = true
    default:
      fits = false
    }
    if fits { return tag }
    let shown = short.map { "!!" + $0 } ?? tag
    diagnostics.append(YAMLMessages.unsupportedTag(shown, at: range))
    return nil
  }

  // MARK: Errors

  private mutating func reportParserError(_ parser: yaml_parser_t, inputStart: Int) {
    let problem = cString(parser.problem) ?? "malformed YAML"
    let problemRange: SourceRange
    if parser.error == YAML_READER_ERROR {
      let offset = inputStart + Int(parser.problem_offset)
      let p = file.position(ofByte: offset)
      problemRange = SourceRange(path: file.path, start: p, end: p)
    } else {
      problemRange = range(parser.problem_mark, parser.problem_mark)
    }
    var notes: [Note] = []
    if let context = cString(parser.context) {
      let contextRange = range(parser.context_mark, parser.context_mark)
      // libyaml often gives the problem's own position as context; repeating it adds nothing.
      if contextRange.start != problemRange.start {
        notes.append(Note("\(context) that starts here", at: contextRange))
      }
    }
    let character = characterAt(problemRange.start.offset)
    diagnostics.append(
      YAMLMessages.syntax(problem, at: problemRange, character: character, notes: notes))
  }

  private func characterAt(_ offset: Int) -> UInt8? {
    offset < file.bytes.count ? file.bytes[offset] : nil
  }

  private func cString(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
  }

  private func cString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
  }
}
