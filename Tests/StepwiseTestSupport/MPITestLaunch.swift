import Foundation

/// Runs the current test binary under `mpirun`, filtered to one test that only runs inside a
/// rank, for the tests that check Open MPI across processes.
public enum MPITestLaunch {
  public static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// Starts `ranks` copies of `binary` filtered to `filter`, with `environment` added to this
  /// process's; returns the exit status and standard output and error together.
  public static func run(
    mpirun: String, ranks: Int, binary: String, filter: String, environment: [String: String]
  ) throws -> (status: Int32, text: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mpirun)
    process.arguments = [
      "--allow-run-as-root", "--oversubscribe", "-np", String(ranks), binary,
      "--testing-library", "swift-testing", "--filter", filter,
    ]
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }
}
