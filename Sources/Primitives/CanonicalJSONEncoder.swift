/// Encodes any `Encodable` into a `CanonicalJSON` tree, so that plan files get canonical bytes
/// (sorted keys, fixed number text) without depending on how a Foundation release formats JSON.
///
/// Optionals encoded with `encodeIfPresent` are omitted when nil, as synthesized `Codable` does.
/// Dictionaries whose keys are not `String` or `Int` encode as arrays in their iteration order,
/// which is not canonical: types holding such dictionaries must map them to string keys before
/// encoding (the plan document does so for metaparameter maps).
public struct CanonicalJSONEncoder {
  public init() {}

  public func encode<T: Encodable>(_ value: T) throws -> CanonicalJSON {
    let encoder = TreeEncoder(codingPath: [])
    try value.encode(to: encoder)
    return encoder.storage.value
  }
}

/// A node under construction: containers write into it after it has been handed to a parent.
private final class Node {
  enum Content {
    case empty
    case value(CanonicalJSON)
    case array([Node])
    case object([String: Node])
  }
  var content: Content = .empty

  var value: CanonicalJSON {
    switch content {
    case .empty: return .object([:])
    case .value(let v): return v
    case .array(let items): return .array(items.map(\.value))
    case .object(let members): return .object(members.mapValues(\.value))
    }
  }
}

private final class TreeEncoder: Encoder {
  let storage = Node()
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    if case .object = storage.content {} else { storage.content = .object([:]) }
    return KeyedEncodingContainer(KeyedContainer<Key>(node: storage, codingPath: codingPath))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    if case .array = storage.content {} else { storage.content = .array([]) }
    return UnkeyedContainer(node: storage, codingPath: codingPath)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleContainer(node: storage, codingPath: codingPath)
  }
}

/// Turns a leaf or a nested `Encodable` into a node.
private func encodeNode<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> Node {
  if let leaf = leafValue(value) {
    let node = Node()
    node.content = .value(leaf)
    return node
  }
  let encoder = TreeEncoder(codingPath: codingPath)
  try value.encode(to: encoder)
  return encoder.storage
}

private func leafValue<T>(_ value: T) -> CanonicalJSON? {
  switch value {
  case let v as Bool: return .bool(v)
  case let v as String: return .string(v)
  case let v as Double: return .double(v)
  case let v as Float: return .double(Double(v))
  case let v as Int: return .int(Int64(v))
  case let v as Int8: return .int(Int64(v))
  case let v as Int16: return .int(Int64(v))
  case let v as Int32: return .int(Int64(v))
  case let v as Int64: return .int(v)
  case let v as UInt: return .uint(UInt64(v))
  case let v as UInt8: return .uint(UInt64(v))
  case let v as UInt16: return .uint(UInt64(v))
  case let v as UInt32: return .uint(UInt64(v))
  case let v as UInt64: return .uint(v)
  default: return nil
  }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let node: Node
  let codingPath: [any CodingKey]

  private func set(_ child: Node, for key: Key) {
    guard case .object(var members) = node.content else { return }
    members[key.stringValue] = child
    node.content = .object(members)
  }

  mutating func encodeNil(forKey key: Key) throws {
    let child = Node()
    child.content = .value(.null)
    set(child, for: key)
  }

  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    set(try encodeNode(value, codingPath: codingPath + [key]), for: key)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    let child = Node()
    child.content = .object([:])
    set(child, for: key)
    return KeyedEncodingContainer(
      KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let child = Node()
    child.content = .array([])
    set(child, for: key)
    return UnkeyedContainer(node: child, codingPath: codingPath + [key])
  }

  mutating func superEncoder() -> any Encoder {
    guard let key = Key(stringValue: "super") else { return TreeEncoder(codingPath: codingPath) }
    return superEncoder(forKey: key)
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    let encoder = TreeEncoder(codingPath: codingPath + [key])
    set(encoder.storage, for: key)
    return encoder
  }
}

private struct IndexKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(_ index: Int) {
    stringValue = String(index)
    intValue = index
  }
  init?(stringValue: String) { return nil }
  init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
  let node: Node
  let codingPath: [any CodingKey]

  var count: Int {
    if case .array(let items) = node.content { return items.count }
    return 0
  }

  private func append(_ child: Node) {
    guard case .array(var items) = node.content else { return }
    items.append(child)
    node.content = .array(items)
  }

  mutating func encodeNil() throws {
    let child = Node()
    child.content = .value(.null)
    append(child)
  }

  mutating func encode<T: Encodable>(_ value: T) throws {
    append(try encodeNode(value, codingPath: codingPath + [IndexKey(count)]))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type
  ) -> KeyedEncodingContainer<NestedKey> {
    let child = Node()
    child.content = .object([:])
    append(child)
    return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let child = Node()
    child.content = .array([])
    append(child)
    return UnkeyedContainer(node: child, codingPath: codingPath)
  }

  mutating func superEncoder() -> any Encoder {
    let encoder = TreeEncoder(codingPath: codingPath)
    append(encoder.storage)
    return encoder
  }
}

private struct SingleContainer: SingleValueEncodingContainer {
  let node: Node
  let codingPath: [any CodingKey]

  mutating func encodeNil() throws { node.content = .value(.null) }

  mutating func encode<T: Encodable>(_ value: T) throws {
    node.content = try encodeNode(value, codingPath: codingPath).content
  }
}
