import Foundation

/// A fresh directory under the system temporary directory, removed by `cleanUp()`.
public struct TemporaryDirectory {
  public let path: String

  public init(prefix: String = "stepwise-store") throws {
    path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  public var url: URL { URL(fileURLWithPath: path) }

  public func file(_ name: String) -> String { path + "/" + name }

  public func cleanUp() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
