import Foundation
import StepwiseTestSupport
import Testing

/// Compares text with a file under `Snapshots/`; `STEPWISE_UPDATE_GOLDEN=1` rewrites the file.
enum GoldenFile {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots")

  static func check(
    _ actual: String, name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    if let message = Golden.compare(actual, toFileAt: directory.appendingPathComponent(name).path) {
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
  }
}
