import Analysis
import ArgumentParser
import Foundation
import Report
import ResultsStore
import StepwiseDiagnostics
import WorkloadLoading
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

    @Argument(
      help: """
        Workload files (YAML) whose studies to report from the store. Without any, every study \
        in the store is reported, with the workload it was last run with.
        """)
    var workloads: [String] = []

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

    @Flag(help: "Print how long reading, analysing and writing took, to standard error.")
    var timings = false

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
      let clock = ContinuousClock()
      var mark = clock.now
      func lap(_ phase: String) {
        guard timings else { return }
        let now = clock.now
        FileHandle.standardError.write(Data("\(phase): \(now - mark)\n".utf8))
        mark = now
      }
      let (archive, source, probes) = try loadResults()
      lap("read")
      let options = AnalysisOptions(
        goalThreshold: goal, goalComparison: goalComparison.flatMap(GoalComparison.init),
        regionRule: RegionRule(factor: factor), bootstrapResamples: bootstrap, seed: seed)
      var studies = Analyzer.analyze(archive, options: options)
      for i in studies.indices where !probes.isEmpty {
        studies[i].probes = ProbeAnalysis.curves(studies[i], values: probes)
      }
      lap("analyse")
      let builder = ReportBuilder(
        options: options, formats: Set(formatNames.compactMap(ReportFormat.init)),
        focusBatchSize: cellBatchSize, source: source)
      let written = try builder.write(studies, to: URL(fileURLWithPath: out))
      lap("render and write")
      let index = written.first { $0.lastPathComponent == "index.html" } ?? written.first
      print("wrote \(written.count) files to \(out)" + (index.map { " (open \($0.path))" } ?? ""))
    }

    /// The results, a description of where they came from, and the store's probe values.
    private func loadResults() throws -> (ResultsArchive, String, [ProbeValue]) {
      if let path = fromJSON {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return (try ResultsArchiveJSON.decode(data), path, [])
      }
      let path = store ?? "stepwise.sqlite"
      guard FileManager.default.fileExists(atPath: path) else {
        throw ValidationError("no results store at \(path); run the workload first or pass --store")
      }
      let results = try ResultsStore(path: path, options: StoreOptions(readOnly: true))
      let masks = try results.maskDensities()
      var chosen: [(StudyID, Workload)] = []
      if workloads.isEmpty {
        // Oldest first, so a store's studies keep their order from one report to the next.
        chosen = try results.studies().reversed().map { ($0.id, $0.workload) }
        guard !chosen.isEmpty else {
          throw ValidationError("\(path) holds no study yet; run a workload first")
        }
      }
      for file in workloads {
        let loaded = WorkloadLoader().load(path: file)
        guard let workload = loaded.workload else {
          let renderer = DiagnosticRenderer(files: [loaded.file])
          FileHandle.standardError.write(Data(renderer.render(loaded.diagnostics).utf8))
          throw ExitCode.failure
        }
        guard let id = try results.study(named: workload.name) else {
          throw ValidationError(
            "\(path) has no study named '\(workload.name)' (from \(file)); run it first")
        }
        chosen.append((id, workload))
      }
      var studies: [StudyResults] = []
      for (id, workload) in chosen {
        let sparsities = Set(workload.study.sparsities.map(\.value))
        studies.append(
          StudyResults(
            table: try results.readStudy(id), workload: workload,
            masks: masks.filter { sparsities.contains($0.sparsity) }.map {
              MaskDensity(sparsity: $0.sparsity, method: $0.method, layers: $0.layers)
            }))
      }
      let probes = try results.probeRecords().flatMap { key, records in
        records.map {
          ProbeValue(
            trialKey: key.hex, kind: $0.kind == .lipschitz ? .lipschitz : .noiseScale,
            step: $0.step, value: $0.value)
        }
      }
      return (ResultsArchive(studies: studies), path, probes)
    }
  }
}
