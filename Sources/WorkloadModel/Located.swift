import StepwiseDiagnostics

/// A value with the source range it came from, for stages after loading that still diagnose it
/// (batch size vs workers at plan time). Equality, hashing and encoding see only the value, so
/// where a value was written never changes a trial's identity.
public struct Located<Value: Hashable & Sendable & Codable>: Hashable, Sendable, Codable {
  public var value: Value
  public var range: SourceRange?

  public init(_ value: Value, at range: SourceRange? = nil) {
    self.value = value
    self.range = range
  }

  public static func == (a: Located, b: Located) -> Bool { a.value == b.value }
  public func hash(into hasher: inout Hasher) { hasher.combine(value) }

  public init(from decoder: any Decoder) throws {
    value = try Value(from: decoder)
    range = nil
  }

  public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
