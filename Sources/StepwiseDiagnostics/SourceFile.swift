/// The text of one input file, with the line table that turns byte offsets into positions.
///
/// Positions are 1-based lines and 1-based *character* columns (Unicode scalars), because that is
/// what editors show and what libyaml counts; byte offsets are kept beside them for slicing.
public struct SourceFile: Sendable {
  /// The path as the user gave it; diagnostics print it unchanged.
  public let path: String
  /// The raw bytes, exactly as read (no BOM stripping, no newline normalisation).
  public let bytes: [UInt8]
  /// Byte offset of the first byte of each line.
  public let lineStarts: [Int]

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
    var starts = [0]
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if b == UInt8(ascii: "\n") {
        starts.append(i + 1)
      } else if b == UInt8(ascii: "\r") {
        // CR LF is one break; a lone CR is a break too (YAML 1.1 allows both).
        if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
        starts.append(i + 1)
      }
      i += 1
    }
    self.lineStarts = starts
  }

  public init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }

  /// The 1-based line holding `byteOffset` (offsets past the end map to the last line).
  public func line(ofByte byteOffset: Int) -> Int {
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= byteOffset { lo = mid } else { hi = mid - 1 }
    }
    return lo + 1
  }

  /// The position of a byte offset: its line, and its column counted in Unicode scalars.
  public func position(ofByte byteOffset: Int) -> SourcePosition {
    let clamped = max(0, min(byteOffset, bytes.count))
    let line = line(ofByte: clamped)
    var column = 1
    var i = lineStarts[line - 1]
    // A UTF-8 byte-order mark is not a column: editors hide it and libyaml skips it.
    if line == 1, hasByteOrderMark, clamped >= 3 { i = 3 }
    while i < clamped {
      i += Self.scalarLength(leadByte: bytes[i])
      column += 1
    }
    return SourcePosition(line: line, column: column, offset: clamped)
  }

  /// Whether the file starts with the UTF-8 byte-order mark EF BB BF.
  public var hasByteOrderMark: Bool {
    bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
  }

  /// The text of a 1-based line without its line break (invalid UTF-8 is repaired for display).
  public func lineText(_ line: Int) -> String {
    guard line >= 1, line <= lineStarts.count else { return "" }
    let start = lineStarts[line - 1]
    var end = line < lineStarts.count ? lineStarts[line] : bytes.count
    while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r")
    {
      end -= 1
    }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  /// A range over the whole of this file's first character (for file-level problems).
  public var startRange: SourceRange {
    let start = SourcePosition(line: 1, column: 1, offset: 0)
    return SourceRange(path: path, start: start, end: start)
  }

  /// The number of bytes of a UTF-8 sequence, from its lead byte (1 for invalid lead bytes,
  /// so that scanning always makes progress).
  static func scalarLength(leadByte b: UInt8) -> Int {
    switch b {
    case 0xF0...0xF7: return 4
    case 0xE0...0xEF: return 3
    case 0xC0...0xDF: return 2
    default: return 1
    }
  }
}
