/// The IDX magic numbers of unsigned-byte images (three dimensions) and labels (one).
public enum IDXMagic {
  public static let images: UInt32 = 0x0000_0803
  public static let labels: UInt32 = 0x0000_0801
}

/// A parsed IDX file: its dimensions and its unsigned-byte payload (big-endian header, data in
/// row-major order, as LeCun's format defines it).
struct IDXFile {
  var dimensions: [Int]
  var payload: ArraySlice<UInt8>

  /// Parses `bytes` (already decompressed) as an IDX file with `magic`; `path` names it in
  /// errors. Every size is checked before any payload is touched.
  init(bytes: [UInt8], magic: UInt32, path: String) throws(DatasetError) {
    if bytes.isEmpty { throw .empty(path: path) }
    if bytes.count < 4 { throw .truncated(path: path, expectedBytes: 4, actualBytes: bytes.count) }
    let found = Self.bigEndian(bytes, at: 0)
    if found != magic { throw .wrongMagic(path: path, found: found, expected: magic) }
    let rank = Int(magic & 0xff)
    let headerBytes = 4 + 4 * rank
    if bytes.count < headerBytes {
      throw .truncated(path: path, expectedBytes: headerBytes, actualBytes: bytes.count)
    }
    var dimensions: [Int] = []
    var payloadBytes = 1
    for axis in 0..<rank {
      let size = Int(Self.bigEndian(bytes, at: 4 + 4 * axis))
      dimensions.append(size)
      payloadBytes = payloadBytes.multipliedReportingOverflow(by: size).partialValue
    }
    let total = headerBytes + payloadBytes
    if bytes.count < total {
      throw .truncated(path: path, expectedBytes: total, actualBytes: bytes.count)
    }
    if bytes.count > total {
      throw .trailingBytes(path: path, expectedBytes: total, actualBytes: bytes.count)
    }
    self.dimensions = dimensions
    self.payload = bytes[headerBytes...]
  }

  private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
      | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
  }
}
