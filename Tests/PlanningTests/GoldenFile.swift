import Foundation
import Testing

/// Compares text with a file under `Snapshots/`; `STEPWISE_UPDATE_GOLDEN=1` rewrites the file.
enum GoldenFile {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots")

  static var updating: Bool { ProcessInfo.processInfo.environment["STEPWISE_UPDATE_GOLDEN"] == "1" }

  static func check(
    _ actual: String, name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let url = directory.appendingPathComponent(name)
    if updating {
      try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      #expect(throws: Never.self, sourceLocation: sourceLocation) {
        try Data(actual.utf8).write(to: url)
      }
      return
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      Issue.record(
        "missing golden file \(name); run with STEPWISE_UPDATE_GOLDEN=1",
        sourceLocation: sourceLocation)
      return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected != actual {
      let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
      let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
      let was = line < a.count ? String(a[line]) : "<end>"
      let now = line < b.count ? String(b[line]) : "<end>"
      Issue.record(
        "\(name) differs at line \(line + 1):\n  golden: \(was)\n  actual: \(now)",
        sourceLocation: sourceLocation)
    }
  }
}
