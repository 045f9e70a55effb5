import ArgumentParser
import Foundation

/// What a command produced, kept as values so tests can compare them with golden files without
/// capturing the process's standard streams; `run()` writes it out and exits with its code.
struct CommandOutcome: Equatable {
  var standardOutput = ""
  var standardError = ""
  /// 0, 1 (error) or 2 (work to do / differs), as documented per command.
  var exitCode: Int32 = 0

  func write() {
    if !standardError.isEmpty { FileHandle.standardError.write(Data(standardError.utf8)) }
    if !standardOutput.isEmpty { FileHandle.standardOutput.write(Data(standardOutput.utf8)) }
  }

  /// The end of a command's `run()`: writes the outcome and exits with its code.
  func finish() throws {
    write()
    if exitCode != 0 { throw ExitCode(exitCode) }
  }
}
