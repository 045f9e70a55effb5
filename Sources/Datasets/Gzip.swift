internal import CZlib

/// Gzip decompression through zlib, so that the original `.gz` files and Debian's (same deflate
/// stream, different header) decompress to the same bytes.
enum Gzip {
  /// Whether `bytes` start with the gzip magic 1f 8b.
  static func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
  }

  /// Inflates every gzip member of `bytes` (`inflateInit2` with 16 + MAX_WBITS: gzip header and
  /// CRC-32 checked by zlib). `path` only names the file in errors.
  static func decompress(_ bytes: [UInt8], path: String) throws(DatasetError) -> [UInt8] {
    // The trailer's ISIZE (size mod 2^32) sizes the output; it is only a hint, checked below.
    var capacity = bytes.count * 2
    if bytes.count >= 18 {
      let n = bytes.count
      let isize =
        Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16
        | Int(bytes[n - 1]) << 24
      if isize > 0 { capacity = isize }
    }
    var output = [UInt8](repeating: 0, count: max(capacity, 64))
    var produced = 0
    var stream = z_stream()
    var status = inflateInit2_(
      &stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      throw .corruptGzip(path: path, detail: "zlib could not start (\(status))")
    }
    defer { inflateEnd(&stream) }
    var consumed = 0
    var members = 0
    while true {
      let result: Int32 = bytes.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { out in
          guard let inBase = input.baseAddress, let outBase = out.baseAddress else {
            return Z_BUF_ERROR
          }
          stream.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
          stream.avail_in = UInt32(clamping: input.count - consumed)
          stream.next_out = outBase + produced
          stream.avail_out = UInt32(clamping: out.count - produced)
          let before = (stream.avail_in, stream.avail_out)
          let r = inflate(&stream, Z_NO_FLUSH)
          consumed += Int(before.0 - stream.avail_in)
          produced += Int(before.1 - stream.avail_out)
          return r
        }
      }
      switch result {
      case Z_STREAM_END:
        members += 1
        // Concatenated members are legal gzip; trailing zero padding is tolerated as gzip does.
        let rest = bytes[consumed...]
        if rest.isEmpty || rest.allSatisfy({ $0 == 0 }) {
          output.removeLast(output.count - produced)
          return output
        }
        status = inflateReset(&stream)
        if status != Z_OK { throw .corruptGzip(path: path, detail: "member \(members + 1)") }
      case Z_OK, Z_BUF_ERROR:
        if produced == output.count {
          output.append(contentsOf: repeatElement(0, count: max(output.count, 1 << 16)))
        } else if consumed == bytes.count {
          throw .corruptGzip(
            path: path,
            detail: "unexpected end of compressed data after \(produced) decompressed bytes")
        } else if result == Z_BUF_ERROR {
          throw .corruptGzip(path: path, detail: "no progress at byte \(consumed)")
        }
      default:
        let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(result)"
        throw .corruptGzip(path: path, detail: "\(message) at compressed byte \(consumed)")
      }
    }
  }
}
