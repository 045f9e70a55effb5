import Foundation
import Primitives

/// The JSON form of a `ResultsArchive` (`stepwise report --from-json`): the Codable layout of the
/// input types, with NaN and infinities as the strings "nan", "inf" and "-inf" (a diverged trial
/// records NaN losses, which plain JSON cannot hold).
public enum ResultsArchiveJSON {
  public enum Failure: Error, CustomStringConvertible {
    case unsupportedVersion(Int)
    case malformed(JSONScanError)
    public var description: String {
      switch self {
      case .malformed(let error):
        return "invalid results JSON: \(error.message)"
      case .unsupportedVersion(let v):
        return "results JSON has formatVersion \(v); this stepwise reads "
          + "\(ResultsArchive.currentFormatVersion)"
      }
    }
  }

  /// Reads an archive with the fast scanner (`ResultsArchiveReader`).
  public static func decode(_ data: Data) throws -> ResultsArchive {
    let archive = try ResultsArchiveReader.read(data)
    guard archive.formatVersion == ResultsArchive.currentFormatVersion else {
      throw Failure.unsupportedVersion(archive.formatVersion)
    }
    return archive
  }

  /// Reads an archive with Foundation's `JSONDecoder`: the reference the fast reader is tested
  /// against.
  public static func decodeWithFoundation(_ data: Data) throws -> ResultsArchive {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let archive = try decoder.decode(ResultsArchive.self, from: data)
    guard archive.formatVersion == ResultsArchive.currentFormatVersion else {
      throw Failure.unsupportedVersion(archive.formatVersion)
    }
    return archive
  }

  public static func encode(_ archive: ResultsArchive) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(archive)
  }
}
