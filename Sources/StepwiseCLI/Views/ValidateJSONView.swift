import Foundation
import StepwiseDiagnostics

/// `stepwise validate --format json`: one document on standard output with every file's result
/// and every diagnostic; the format is described in docs/diagnostics-json.md.
struct ValidateJSONView {
  struct FileResult: Codable, Equatable {
    var path: String
    var ok: Bool
    var workload: WorkloadSummary?
  }

  struct Document: Codable, Equatable {
    var formatVersion: Int
    var files: [FileResult]
    var diagnostics: [DiagnosticJSONDocument.Entry]
    var errorCount: Int
    var warningCount: Int
  }

  func render(files: [FileResult], diagnostics: [Diagnostic]) -> String {
    let base = DiagnosticJSONDocument(diagnostics)
    let document = Document(
      formatVersion: DiagnosticJSONDocument.currentFormatVersion, files: files,
      diagnostics: base.diagnostics, errorCount: base.errorCount, warningCount: base.warningCount)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(document) else { return "{}\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
