/// The UTF-8 gate in front of libyaml: it refuses malformed input with a position (libyaml would
/// report only a byte offset) and builds the character-to-byte table that libyaml's marks need.
struct UTF8Check {
  /// Byte offset of each character of the checked bytes, plus one entry for the end; libyaml's
  /// `mark.index` counts characters, so `byteOffsets[mark.index]` is where that mark is.
  var byteOffsets: [Int]

  /// Where the first malformed sequence starts, and why it is malformed.
  struct Failure: Error {
    var offset: Int
    var reason: String
  }

  /// Checks `bytes[start...]` and numbers its characters (offsets are into `bytes`).
  static func check(_ bytes: [UInt8], from start: Int) -> Result<UTF8Check, Failure> {
    var offsets: [Int] = []
    offsets.reserveCapacity(bytes.count - start + 1)
    var i = start
    let n = bytes.count
    while i < n {
      let b0 = bytes[i]
      offsets.append(i)
      if b0 < 0x80 {
        i += 1
        continue
      }
      let length: Int
      let minimum: UInt32
      var scalar: UInt32
      switch b0 {
      case 0xC2...0xDF: (length, minimum, scalar) = (2, 0x80, UInt32(b0 & 0x1F))
      case 0xE0...0xEF: (length, minimum, scalar) = (3, 0x800, UInt32(b0 & 0x0F))
      case 0xF0...0xF4: (length, minimum, scalar) = (4, 0x10000, UInt32(b0 & 0x07))
      default:
        return .failure(Failure(offset: i, reason: "byte 0x\(hex(b0)) cannot start a character"))
      }
      guard i + length <= n else {
        return .failure(Failure(offset: i, reason: "the file ends inside a character"))
      }
      for k in 1..<length {
        let b = bytes[i + k]
        guard b & 0xC0 == 0x80 else {
          return .failure(
            Failure(offset: i, reason: "byte 0x\(hex(b)) cannot continue a character"))
        }
        scalar = scalar << 6 | UInt32(b & 0x3F)
      }
      if scalar < minimum {
        return .failure(Failure(offset: i, reason: "overlong encoding"))
      }
      if (0xD800...0xDFFF).contains(scalar) || scalar > 0x10FFFF {
        return .failure(Failure(offset: i, reason: "not a Unicode scalar value"))
      }
      i += length
    }
    offsets.append(n)
    return .success(UTF8Check(byteOffsets: offsets))
  }

  private static func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
  }
}
