import Foundation
import StepwiseTestSupport
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
    if let message = Golden.compare(actual, toFileAt: snapshots.appendingPathComponent(name).path) {
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
  }
}
