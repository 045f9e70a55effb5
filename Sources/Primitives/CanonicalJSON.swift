/// A JSON value with one byte encoding: the canonical form trial keys are hashed from and plan
/// files are written in.
///
/// The rules (documented in `docs/trial-identity.md`):
/// - objects: keys sorted by their UTF-8 bytes, no duplicate keys;
/// - no whitespace anywhere;
/// - strings: UTF-8, escaping only `"`, `\` and control characters (`\n`, `\r`, `\t`, `\b`, `\f`,
///   otherwise `\u00XX` with lowercase hex);
/// - integers: plain decimal (`-` for negatives), no exponent;
/// - reals: Swift's `Double.description`, the shortest decimal that round-trips (SwiftDtoa,
///   the same on every platform): `0.01`, `1e-05`, `30000.0`, `1e+16`; `-0.0` is written `0.0`;
///   NaN and infinities (which no checked workload holds) are written `null`.
public indirect enum CanonicalJSON: Hashable, Sendable {
  case null
  case bool(Bool)
  case int(Int64)
  case uint(UInt64)
  case double(Double)
  case string(String)
  case array([CanonicalJSON])
  case object([String: CanonicalJSON])
  /// Bytes already in canonical form (a fragment shared by many trials, serialised once).
  case raw([UInt8])

  /// The canonical bytes.
  public var bytes: [UInt8] {
    var out: [UInt8] = []
    write(to: &out)
    return out
  }

  public var text: String { String(decoding: bytes, as: UTF8.self) }

  public func write(to out: inout [UInt8]) {
    switch self {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .uint(let u): out.append(contentsOf: String(u).utf8)
    case .double(let d): out.append(contentsOf: Self.format(d).utf8)
    case .string(let s): Self.writeString(s, to: &out)
    case .raw(let bytes): out.append(contentsOf: bytes)
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        item.write(to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      out.append(UInt8(ascii: "{"))
      for (i, key) in Self.sortedKeys(members.keys).enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        Self.writeString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        members[key]?.write(to: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  /// Keys in UTF-8 byte order (Swift's `String <` compares Unicode scalars, which for UTF-8 is the
  /// same order; comparing bytes states it without relying on that).
  static func sortedKeys<S: Sequence>(_ keys: S) -> [String] where S.Element == String {
    keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// The canonical text of a real number.
  public static func format(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    if value == 0 { return "0.0" }
    return value.description
  }

  public static func writeString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Fast path: keys, hex digests and names need no escape (every trial key hashes several).
    let needsEscape = s.utf8.contains {
      $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\")
    }
    if !needsEscape {
      out.append(contentsOf: s.utf8)
      out.append(UInt8(ascii: "\""))
      return
    }
    for byte in s.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
      case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
      case 0x0A: out.append(contentsOf: "\\n".utf8)
      case 0x0D: out.append(contentsOf: "\\r".utf8)
      case 0x09: out.append(contentsOf: "\\t".utf8)
      case 0x08: out.append(contentsOf: "\\b".utf8)
      case 0x0C: out.append(contentsOf: "\\f".utf8)
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out.append(contentsOf: "\\u00".utf8)
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0xF)])
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
