import Foundation
import StepwiseDiagnostics
import StepwiseTestSupport
import Testing
import WorkloadLoading

/// The bad-input corpus: each `Corpus/NAME.yaml` has `NAME.errors` (every expected error as
/// `line:column id`, written by hand) and `NAME.golden` (the plain rendering, regenerated with
/// STEPWISE_UPDATE_GOLDEN=1). A `good-*` case must load with no diagnostics.
struct CorpusTests {
  static let directory = Golden.directory(of: #filePath) + "/Corpus"

  static var cases: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
  }

  /// A fixed environment, so that variable expansion is the same on every machine.
  static let loader = WorkloadLoader(environment: ["HOME": "/home/user"])

  static func run(_ name: String) -> (diagnostics: [Diagnostic], rendered: String, ok: Bool) {
    let path = "\(directory)/\(name).yaml"
    let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
    let file = SourceFile(path: "Corpus/\(name).yaml", bytes: bytes)
    let (workload, diagnostics) = loader.load(file)
    let rendered = DiagnosticRenderer(files: [file]).render(diagnostics)
    return (diagnostics, rendered, workload != nil)
  }

  @Test func corpusIsLargeEnough() {
    #expect(Self.cases.count >= 60)
  }

  @Test(arguments: cases)
  func expectedErrorsAppearAtTheirPositions(_ name: String) throws {
    let (diagnostics, _, ok) = Self.run(name)
    let sidecar = try String(contentsOfFile: "\(Self.directory)/\(name).errors", encoding: .utf8)
    let expected = sidecar.split(separator: "\n").map(String.init).sorted()
    let actual = diagnostics.filter { $0.severity == .error }
      .map { "\($0.range.start.line):\($0.range.start.column) \($0.id)" }.sorted()
    #expect(actual == expected, "\(name)")
    if name.hasPrefix("good-") {
      #expect(ok, "\(name) should load")
    } else {
      #expect(!ok, "\(name) should not load")
      #expect(!expected.isEmpty, "\(name) lists no expected error")
    }
  }

  @Test(arguments: cases)
  func renderingMatchesGolden(_ name: String) {
    let (_, rendered, _) = Self.run(name)
    let failure = Golden.compare(rendered, toFileAt: "\(Self.directory)/\(name).golden")
    #expect(failure == nil, "\(failure ?? "")")
  }
}
