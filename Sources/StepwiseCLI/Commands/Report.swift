import Analysis
import ArgumentParser
import Foundation
import Report
import WorkloadModel

extension Stepwise {
  /// `stepwise report`: steps-to-result curves, regions and critical batch sizes as SVG, HTML,
  /// Markdown, CSV and JSON.
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write steps-to-result figures, tables, CSV and JSON for the stored results.",
      discussion: """
        Reads the results (from a store, or from a JSON export of them with --from-json), \
        measures each cell's steps-to-result against the goal (or --goal), fits the critical \
        batch size per sparsity, and writes index.html, summary.md, SVG figures, cells.csv, \
        trials.csv, evaluations.csv and report.json into --out. See docs/report-format.md.
        """)

    @Option(help: "The results store (SQLite). Defaults to stepwise.sqlite in this directory.")
    var store: String?

    @Option(
      name: .customLong("from-json"),
      help: "Read results from a JSON export (docs/report-format.md) instead of a store.")
    var fromJSON: String?

    @Option(help: "The directory to write the report into (created if missing).")
    var out: String = "report"

    @Option(help: "Measure against this goal threshold instead of the stored one.")
    var goal: Double?

    @Option(help: "Goal comparison: '<' or '<='. Defaults to the stored goal's.")
    var goalComparison: String?

    @Option(
      help: "What to write: comma-separated from svg, html, md, csv, json. Defaults to all.")
    var format: String = "svg,html,md,csv,json"

    @Option(
      help: """
        Batch size whose metaparameter landscape and validation curves are drawn. Defaults to \
        each curve's largest batch size still in the perfect-scaling region.
        """)
    var cellBatchSize: Int?

    @Option(help: "Steps above this multiple of the perfect-scaling line leave that region.")
    var factor: Double = 2

    @Option(help: "Bootstrap resamples per curve for the critical batch size's interval (0: none).")
    var bootstrap: Int = 200

    @Option(help: "Seed of the bootstrap.")
    var seed: UInt64 = 0

    func validate() throws {
      if goalComparison.map({ GoalComparison(rawValue: $0) == nil }) ?? false {
        throw ValidationError("--goal-comparison must be '<' or '<='")
      }
      for name in formatNames where ReportFormat(rawValue: name) == nil {
        throw ValidationError("unknown format '\(name)'; expected svg, html, md, csv or json")
      }
      if factor <= 1 { throw ValidationError("--factor must be greater than 1") }
      if bootstrap < 0 { throw ValidationError("--bootstrap must not be negative") }
    }

    private var formatNames: [String] {
      format.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func run() throws {
      let (archive, source) = try loadResults()
      let options = AnalysisOptions(
        goalThreshold: goal, goalComparison: goalComparison.flatMap(GoalComparison.init),
        regionRule: RegionRule(factor: factor), bootstrapResamples: bootstrap, seed: seed)
      let studies = Analyzer.analyze(archive, options: options)
      let builder = ReportBuilder(
        options: options, formats: Set(formatNames.compactMap(ReportFormat.init)),
        focusBatchSize: cellBatchSize, source: source)
      let written = try builder.write(studies, to: URL(fileURLWithPath: out))
      let index = written.first { $0.lastPathComponent == "index.html" } ?? written.first
      print("wrote \(written.count) files to \(out)" + (index.map { " (open \($0.path))" } ?? ""))
    }

    /// The results and a description of where they came from.
    private func loadResults() throws -> (ResultsArchive, String) {
      if let path = fromJSON {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return (try ResultsArchiveJSON.decode(data), path)
      }
      // The store's bulk-read adapter (ResultsStore -> ResultsArchive) lands with the store
      // branch; until then a store cannot be read here, and saying so beats a silent empty report.
      let path = store ?? "stepwise.sqlite"
      throw ValidationError(
        "reading a results store is not available in this build yet (\(path)); "
          + "export the results to JSON and pass --from-json")
    }
  }
}
