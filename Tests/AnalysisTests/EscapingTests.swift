import Analysis
import Foundation
import Report
import Testing
import WorkloadModel

@Suite struct EscapingTests {
  static let hostile = "<script>&\"'"

  @Test func markupEscapesEveryMetacharacter() {
    #expect(Markup.escape(Self.hostile) == "&lt;script&gt;&amp;&quot;&#39;")
  }

  @Test func hostileNamesNeverReachSVGOrHTMLRaw() throws {
    let trials = (0..<4).map { i in
      Synthetic.trial(
        i, .reached, steps: [100, 200, 300], errors: [0.5, 0.1, i % 2 == 0 ? 0.01 : 0.2],
        lr: 0.01 * Double(i + 1), momentum: 0.9)
    }
    let cells = [2, 4, 8, 16].map {
      CellResults(
        optimizer: .nesterov, optimizerName: Self.hostile, batchSize: $0, sparsity: 0.5,
        trials: trials)
    }
    let study = StudyResults(
      workload: Self.hostile, dataset: Self.hostile, goal: Goal(comparison: .atMost, threshold: 0.02),
      cells: cells,
      masks: [MaskDensity(sparsity: 0.5, method: Self.hostile, layers: [
        LayerDensity(layer: Self.hostile, kept: 1, total: 2),
      ])])
    let options = AnalysisOptions(bootstrapResamples: 10)
    let analyses = Analyzer.analyze(ResultsArchive(studies: [study]), options: options)
    let builder = ReportBuilder(options: options, source: "/tmp/\(Self.hostile)/results.json")
    let files = try builder.files(for: analyses)
    for (name, contents) in files
    where name.hasSuffix(".svg") || name.hasSuffix(".html") || name.hasSuffix(".md") {
      #expect(!contents.contains("<script"), "raw <script in \(name)")
      #expect(!contents.contains("&\"'"), "raw &\"' in \(name)")
      #expect(contents.contains("&lt;script&gt;"), "escaped name missing from \(name)")
    }
    for (name, _) in files {
      #expect(!name.contains("<") && !name.contains("\"") && !name.contains("/"))
    }
  }
}
