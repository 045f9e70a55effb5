import Foundation
import Testing

/// Golden-file comparison for the plan and diff command tests (`STEPWISE_UPDATE_GOLDEN=1`
/// rewrites the files under `Snapshots/`).
enum PlanCLIGolden {
  static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  static let snapshots = here.appendingPathComponent("Snapshots")
  static let repository = here.deletingLastPathComponent().deletingLastPathComponent()

  static func check(
    _ actual: String, name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let url = snapshots.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["STEPWISE_UPDATE_GOLDEN"] == "1" {
      #expect(throws: Never.self, sourceLocation: sourceLocation) {
        try Data(actual.utf8).write(to: url)
      }
      return
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      let message = "missing golden \(name); run with STEPWISE_UPDATE_GOLDEN=1"
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
      return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected != actual {
      let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
      let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
      let was = line < a.count ? String(a[line]) : "<end>"
      let now = line < b.count ? String(b[line]) : "<end>"
      let message = "\(name) differs at line \(line + 1):\n  golden: \(was)\n  actual: \(now)"
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
  }
}
