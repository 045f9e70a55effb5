import Foundation

/// Golden files: expected output kept in the repository beside the tests that use it.
/// Set `STEPWISE_UPDATE_GOLDEN=1` to rewrite them from the actual output (then review the diff).
public enum Golden {
  public static var isUpdating: Bool {
    ProcessInfo.processInfo.environment["STEPWISE_UPDATE_GOLDEN"] == "1"
  }

  /// nil when `actual` matches the file at `path` (or the file was just rewritten); otherwise a
  /// message with the first differing line, for the test to report.
  public static func compare(_ actual: String, toFileAt path: String) -> String? {
    if isUpdating {
      do {
        try FileManager.default.createDirectory(
          atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try actual.write(toFile: path, atomically: true, encoding: .utf8)
        return nil
      } catch {
        return "cannot write golden file \(path): \(error)"
      }
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      return "missing golden file \(path); run with STEPWISE_UPDATE_GOLDEN=1 to create it"
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected == actual { return nil }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, e.count) {
      let x = i < a.count ? String(a[i]) : "<end>"
      let y = i < e.count ? String(e[i]) : "<end>"
      if x != y {
        return "\(path): line \(i + 1) differs\n  expected: \(y)\n  actual:   \(x)"
      }
    }
    return "\(path) differs"
  }

  /// The directory of the calling test file (for goldens and fixtures kept next to tests).
  public static func directory(of filePath: String) -> String {
    (filePath as NSString).deletingLastPathComponent
  }
}
