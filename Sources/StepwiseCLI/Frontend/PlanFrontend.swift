import Crypto
import Datasets
import Foundation
import Planning
import Primitives
import StepwiseDiagnostics
import WorkloadLoading
import WorkloadModel

/// Turns a path into a plan for `plan`, `diff` and (later) `run`: a saved plan file is read and
/// checked; a workload file is loaded, checked and compiled. Every problem is a diagnostic,
/// rendered by the same renderer as `validate`.
struct PlanFrontend {
  /// A dataset digest given on the command line; wins over pins and over reading the files.
  var datasetDigest: String?
  var environment: [String: String] = ProcessInfo.processInfo.environment

  /// What to build: every trial as a `TrialSpec` (`plan`, `run`), or the compact table
  /// (`diff`, which compares 200,000 trials and needs only their keys and shared values).
  enum Form {
    case plan
    case table
  }

  struct Result {
    var plan: ExecutionPlan?
    var table: PlanTable?
    var diagnostics: [Diagnostic]
    var files: [SourceFile]
    /// Whether the input was a saved plan rather than a workload.
    var wasSavedPlan: Bool
    var hasErrors: Bool {
      diagnostics.contains { $0.severity == .error } || (plan == nil && table == nil)
    }

    init(
      plan: ExecutionPlan?, table: PlanTable? = nil, diagnostics: [Diagnostic],
      files: [SourceFile], wasSavedPlan: Bool
    ) {
      self.plan = plan
      self.table = table
      self.diagnostics = diagnostics
      self.files = files
      self.wasSavedPlan = wasSavedPlan
    }
  }

  func load(path: String, form: Form = .plan) -> Result {
    guard let bytes = Self.read(path) else {
      let file = SourceFile(path: path, bytes: [])
      let exists = FileManager.default.fileExists(atPath: path)
      return Result(
        plan: nil,
        diagnostics: [
          .error(
            "plan.unreadable", exists ? "cannot read the file" : "no such file",
            detail: exists ? "check its permissions" : "check the path", at: file.startRange)
        ], files: [file], wasSavedPlan: false)
    }
    if PlanDocument.looksLikePlan(bytes) { return loadPlan(path: path, bytes: bytes, form: form) }
    return load(SourceFile(path: path, bytes: bytes), form: form)
  }

  /// Compiles (or decodes) source already in memory: the built-in default workload of `run`.
  func load(_ file: SourceFile, form: Form = .plan) -> Result {
    let path = file.path
    if PlanDocument.looksLikePlan(file.bytes) {
      return loadPlan(path: path, bytes: file.bytes, form: form)
    }
    let (workload, loadDiagnostics) = WorkloadLoader(environment: environment).load(file)
    guard let workload else {
      return Result(plan: nil, diagnostics: loadDiagnostics, files: [file], wasSavedPlan: false)
    }
    let digest: String
    switch resolveDigest(workload.dataset) {
    case .success(let d): digest = d
    case .failure(let diagnostic):
      return Result(
        plan: nil, diagnostics: loadDiagnostics + [diagnostic], files: [file],
        wasSavedPlan: false)
    }
    let compiler = PlanCompiler(datasetDigest: digest, sourcePath: path)
    var plan: ExecutionPlan?
    var table: PlanTable?
    let planDiagnostics: [Diagnostic]
    switch form {
    case .plan: (plan, planDiagnostics) = compiler.compile(workload)
    case .table: (table, planDiagnostics) = compiler.compileTable(workload)
    }
    var bag = DiagnosticBag()
    bag.append(contentsOf: loadDiagnostics)
    bag.append(contentsOf: planDiagnostics)
    return Result(
      plan: plan, table: table, diagnostics: bag.sorted, files: [file], wasSavedPlan: false)
  }

  /// The file's bytes, read straight into one array: going through Foundation's `Data` held
  /// two copies at once, and a saved plan can be tens of megabytes.
  private static func read(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    var bytes = [UInt8](repeating: 0, count: max(0, Int(info.st_size)))
    var filled = 0
    while true {
      if filled == bytes.count {
        // The file grew, or reports no size (a pipe): read on in chunks.
        bytes.append(contentsOf: repeatElement(0, count: max(65536, bytes.count / 2)))
      }
      let n = bytes.withUnsafeMutableBytes { buffer in
        Foundation.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
      }
      if n < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if n == 0 { break }
      filled += n
    }
    bytes.removeLast(bytes.count - filled)
    return bytes
  }

  /// A saved plan: read and checked. Its `SourceFile` holds no bytes: a plan's diagnostics point
  /// at the file, not into it, and indexing the lines of 30 MB of one-line JSON costs time and
  /// keeps the bytes alive for the whole command.
  private func loadPlan(path: String, bytes: [UInt8], form: Form) -> Result {
    let file = SourceFile(path: path, bytes: [])
    do {
      switch form {
      case .plan:
        return Result(
          plan: try PlanDocument.decode(bytes), diagnostics: [], files: [file],
          wasSavedPlan: true)
      case .table:
        return Result(
          plan: nil, table: try PlanDocument.decodeTable(bytes), diagnostics: [], files: [file],
          wasSavedPlan: true)
      }
    } catch {
      let diagnostic = Diagnostic.error(
        "plan.invalid-plan-file", "cannot read the saved plan", detail: "\(error)",
        at: file.startRange)
      return Result(plan: nil, diagnostics: [diagnostic], files: [file], wasSavedPlan: true)
    }
  }

  enum DigestResolution {
    case success(String)
    case failure(Diagnostic)
  }

  /// The dataset's identity digest: `--dataset-digest`; else the pinned `sha256` map
  /// (`pinned-sha256:` + SHA-256 of its canonical JSON, so pins written in any order agree);
  /// else `Datasets.ContentDigest` over the decompressed files, which the trainer checks again.
  func resolveDigest(_ dataset: DatasetSpec) -> DigestResolution {
    if let datasetDigest { return .success(datasetDigest) }
    if !dataset.sha256.isEmpty {
      let pins = CanonicalJSON.object(dataset.sha256.mapValues { .string($0.lowercased()) })
      let hex = SHA256.hash(data: pins.bytes).map { String(format: "%02x", $0) }.joined()
      return .success("pinned-sha256:" + hex)
    }
    do {
      let digest = try ContentDigest.digest(
        dataset: dataset.name, directory: dataset.directory.value)
      return .success(digest)
    } catch {
      let start = SourcePosition(line: 1, column: 1, offset: 0)
      return .failure(
        .error(
          "plan.dataset-digest",
          "cannot compute the digest of dataset '\(dataset.name.rawValue)'",
          detail: "\(error); trial keys include the data's digest: provide the files, pin "
            + "their sha256 under dataset.sha256, or pass --dataset-digest",
          at: dataset.directory.range ?? SourceRange(path: "<workload>", start: start, end: start)))
    }
  }
}
