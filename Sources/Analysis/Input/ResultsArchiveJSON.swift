import Foundation

/// The JSON form of a `ResultsArchive` (`stepwise report --from-json`): the Codable layout of the
/// input types, with NaN and infinities as the strings "nan", "inf" and "-inf" (a diverged trial
/// records NaN losses, which plain JSON cannot hold).
public enum ResultsArchiveJSON {
  public enum Failure: Error, CustomStringConvertible {
    case unsupportedVersion(Int)
    public var description: String {
      switch self {
      case .unsupportedVersion(let v):
        return "results JSON has formatVersion \(v); this stepwise reads "
          + "\(ResultsArchive.currentFormatVersion)"
      }
    }
  }

  public static func decode(_ data: Data) throws -> ResultsArchive {
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
