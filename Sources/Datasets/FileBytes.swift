import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Whole-file reads into one byte array, without Foundation's `Data` copies.
enum FileBytes {
  /// The bytes of the file at `path`; a missing or unreadable file is a `DatasetError`.
  static func read(_ path: String) throws(DatasetError) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 {
      throw .unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    let size = Int(info.st_size)
    if size == 0 { throw .empty(path: path) }
    var bytes = [UInt8](repeating: 0, count: size)
    var done = 0
    var failure: Int32 = 0
    bytes.withUnsafeMutableBytes { buffer in
      guard let base = buffer.baseAddress else { return }
      while done < size {
        let n = Glibc.read(fd, base + done, size - done)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        if n == 0 { break }
        done += n
      }
    }
    if failure != 0 {
      throw .unreadable(path: path, reason: String(cString: strerror(failure)))
    }
    if done < size { bytes.removeLast(size - done) }
    return bytes
  }

  /// Size, modification time and inode: what the digest cache keys on.
  static func identity(_ path: String) -> FileIdentity? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return FileIdentity(
      path: path, size: Int64(info.st_size), inode: UInt64(info.st_ino),
      modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
  }
}

/// What identifies a file's contents cheaply: if none of these changed, the digest did not.
public struct FileIdentity: Hashable, Sendable, Codable {
  public var path: String
  public var size: Int64
  public var inode: UInt64
  /// Modification time in nanoseconds since the epoch.
  public var modified: Int64
}
