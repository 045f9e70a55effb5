import Crypto
import Foundation
import Synchronization
import WorkloadModel

/// A dataset's identity for trial keys: SHA-256 over the *decompressed* contents of its files in
/// the fixed order of `DatasetFiles.canonicalNames`, so the original `.gz` files, Debian's `.gz`
/// files (other gzip headers) and the raw files all give one digest.
///
/// Encoding, per file: the canonical name in UTF-8, a zero byte, the content length as a
/// little-endian UInt64, then the contents. Computing it reads and inflates every file (about
/// 55 MB for MNIST); results are cached in memory by file identity (path, size, inode,
/// modification time), and the cache can be saved beside a results store and loaded again.
public enum ContentDigest {
  /// Lowercase hex SHA-256 of `bytes`.
  public static func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
  }

  /// The digest of `files`, from the cache when no file changed.
  public static func digest(
    of files: DatasetFiles, cache: DigestCache = .shared
  ) throws(DatasetError) -> String {
    let identities = files.entries.compactMap { FileBytes.identity($0.path) }
    if identities.count == files.entries.count, let hit = cache.lookup(identities) { return hit }
    var hasher = Hasher()
    for entry in files.entries {
      hasher.add(name: entry.canonicalName, contents: try files.contents(of: entry))
    }
    let digest = hasher.finish()
    if identities.count == files.entries.count { cache.store(identities, digest: digest) }
    return digest
  }

  /// The digest of `dataset` in `directory`.
  public static func digest(
    dataset: DatasetName, directory: String, cache: DigestCache = .shared
  ) throws(DatasetError) -> String {
    try digest(of: DatasetFiles(dataset: dataset, directory: directory), cache: cache)
  }

  /// Incremental form, for callers that already hold the decompressed contents.
  public struct Hasher {
    private var sha = SHA256()

    public init() {}

    public mutating func add(name: String, contents: [UInt8]) {
      sha.update(data: Array(name.utf8) + [0])
      var length = UInt64(contents.count).littleEndian
      withUnsafeBytes(of: &length) { sha.update(bufferPointer: $0) }
      contents.withUnsafeBytes { sha.update(bufferPointer: $0) }
    }

    public func finish() -> String {
      sha.finalize().map { String(format: "%02x", $0) }.joined()
    }
  }
}

/// Dataset digests by the identities of their files. Thread-safe; `shared` lives for the process.
public final class DigestCache: Sendable {
  public static let shared = DigestCache()

  private let entries = Mutex<[[FileIdentity]: String]>([:])

  public init() {}

  public func lookup(_ files: [FileIdentity]) -> String? {
    entries.withLock { $0[files] }
  }

  public func store(_ files: [FileIdentity], digest: String) {
    entries.withLock { $0[files] = digest }
  }

  private struct Saved: Codable {
    var files: [FileIdentity]
    var digest: String
  }

  /// The cache as JSON (for a file beside the results store).
  public func encoded() throws -> Data {
    let saved = entries.withLock { $0.map { Saved(files: $0.key, digest: $0.value) } }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(saved.sorted { $0.digest < $1.digest })
  }

  /// Adds the entries of JSON written by `encoded()`; stale entries are harmless (their
  /// identities no longer match any file).
  public func merge(encoded data: Data) throws {
    let saved = try JSONDecoder().decode([Saved].self, from: data)
    entries.withLock { table in
      for entry in saved { table[entry.files] = entry.digest }
    }
  }
}
