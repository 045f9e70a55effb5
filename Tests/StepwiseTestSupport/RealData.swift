import Foundation

/// Where the tests find the real datasets. Two conventions, kept as they were: the library tests
/// read the project machine's copies, the CLI and cluster tests read where their workloads point.
public enum RealData {
  /// `STEPWISE_DATA`, else `<repo root>/../shared/data`.
  public static var sharedRoot: String {
    if let env = ProcessInfo.processInfo.environment["STEPWISE_DATA"], !env.isEmpty { return env }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return repo.deletingLastPathComponent().appendingPathComponent("shared/data").path
  }

  /// Fashion-MNIST where the test workloads look: `${STEPWISE_DATA:-/usr/share/datasets}/fashion-mnist`.
  public static var workloadFashion: String {
    (ProcessInfo.processInfo.environment["STEPWISE_DATA"] ?? "/usr/share/datasets")
      + "/fashion-mnist"
  }

  /// Whether `workloadFashion` holds the training images (gzipped or not).
  public static var hasWorkloadFashion: Bool {
    FileManager.default.fileExists(atPath: workloadFashion + "/train-images-idx3-ubyte.gz")
      || FileManager.default.fileExists(atPath: workloadFashion + "/train-images-idx3-ubyte")
  }
}
