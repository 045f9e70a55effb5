import Foundation
import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// The front end of Stepwise: a workload file in, a checked `Workload` (or nil) and every
/// diagnostic out. Bad input never throws; each key is visited even after earlier errors.
public struct WorkloadLoader: Sendable {
  /// Variables `dataset.directory` may reference (normally the process environment).
  public var environment: [String: String]
  public var limits: YAMLLimits

  public init(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    limits: YAMLLimits = .default
  ) {
    self.environment = environment
    self.limits = limits
  }

  /// Parses and checks source text. Diagnostics are sorted by position.
  public func load(_ file: SourceFile) -> (workload: Workload?, diagnostics: [Diagnostic]) {
    let (root, yamlDiagnostics) = YAMLLoader(limits: limits).load(file)
    var bag = DiagnosticBag()
    bag.append(contentsOf: yamlDiagnostics)
    // A tree cut short by a syntax error or a limit would only add misleading errors.
    let stoppedEarly = yamlDiagnostics.contains {
      $0.severity == .error
        && [
          "yaml.syntax", "yaml.too-deep", "yaml.too-many-nodes",
          "yaml.alias-expansion", "yaml.file-too-large", "yaml.invalid-utf8", "yaml.not-utf8",
          "yaml.internal",
        ].contains($0.id.rawValue)
    }
    if stoppedEarly { return (nil, bag.sorted) }
    let checker = WorkloadChecker(file: file, environment: environment)
    let workload = checker.workload(root)
    bag.append(contentsOf: checker.diagnostics)
    return (bag.hasErrors ? nil : workload, bag.sorted)
  }

  /// Checks an already-parsed tree (for tools that build nodes themselves).
  public func check(_ root: YAMLNode?, in file: SourceFile) -> (Workload?, [Diagnostic]) {
    let checker = WorkloadChecker(file: file, environment: environment)
    let workload = checker.workload(root)
    var bag = DiagnosticBag()
    bag.append(contentsOf: checker.diagnostics)
    return (bag.hasErrors ? nil : workload, bag.sorted)
  }

  /// Reads a file from disk; an unreadable file is a diagnostic, not an exception.
  public func load(path: String) -> (
    file: SourceFile, workload: Workload?, diagnostics: [Diagnostic]
  ) {
    guard let data = FileManager.default.contents(atPath: path) else {
      let file = SourceFile(path: path, bytes: [])
      let exists = FileManager.default.fileExists(atPath: path)
      let diagnostic = Diagnostic.error(
        "workload.unreadable", exists ? "cannot read the file" : "no such file",
        detail: exists ? "check its permissions" : "check the path", at: file.startRange)
      return (file, nil, [diagnostic])
    }
    let file = SourceFile(path: path, bytes: [UInt8](data))
    let (workload, diagnostics) = load(file)
    return (file, workload, diagnostics)
  }
}
