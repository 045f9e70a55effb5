import Analysis
import Foundation

/// What `stepwise report` writes.
public enum ReportFormat: String, CaseIterable, Sendable {
  case svg, html
  case markdown = "md"
  case csv, json
}

/// One output file, rendered on whichever core is free.
struct FileJob: Sendable {
  var name: String
  var render: @Sendable () throws -> String
}

/// Assembles figures, tables and exports from analyses, and writes them to a directory.
public struct ReportBuilder {
  public var options: AnalysisOptions
  public var formats: Set<ReportFormat>
  /// The batch size whose landscape and validation curves are drawn for every curve; nil picks
  /// each curve's largest batch size still in the perfect-scaling region (or its first point).
  public var focusBatchSize: Int?
  /// Where the results came from (a path); shown, escaped, in the HTML.
  public var source: String

  public init(
    options: AnalysisOptions, formats: Set<ReportFormat> = Set(ReportFormat.allCases),
    focusBatchSize: Int? = nil, source: String
  ) {
    self.options = options
    self.formats = formats
    self.focusBatchSize = focusBatchSize
    self.source = source
  }

  /// Every file of the report, by name, in a stable order. The files are independent, so they
  /// are rendered concurrently (the CSV tables of a large study take most of the time).
  public func files(for studies: [StudyAnalysis]) throws -> [(name: String, contents: String)] {
    let perStudy = studies.enumerated().map { figures(study: $1, number: $0 + 1) }
    let comparisons = comparisonFigures(studies)
    let allFigures = perStudy.flatMap { $0 } + comparisons
    var out: [(String, String)] = []
    if formats.contains(.svg) { out += allFigures.map { ($0.fileName, $0.svg) } }
    let options = options
    let source = source
    let linked = formats.contains(.svg) ? allFigures : []
    var jobs: [FileJob] = []
    if formats.contains(.html) {
      jobs.append(
        FileJob(name: "index.html") {
          HTMLPage.render(
            studies, options: options, source: source, figuresByStudy: perStudy,
            comparisons: comparisons)
        })
    }
    if formats.contains(.markdown) {
      jobs.append(
        FileJob(name: "summary.md") {
          MarkdownSummary.render(studies, options: options, figures: linked)
        })
    }
    if formats.contains(.csv) {
      jobs.append(FileJob(name: "cells.csv") { CSVExport.cells(studies) })
      jobs.append(FileJob(name: "trials.csv") { CSVExport.trials(studies) })
      jobs.append(FileJob(name: "evaluations.csv") { CSVExport.evaluations(studies) })
      if studies.contains(where: { !$0.probes.isEmpty }) {
        jobs.append(FileJob(name: "probes.csv") { ProbeExport.csv(studies) })
      }
    }
    if formats.contains(.json) {
      let names = linked.map(\.fileName)
      jobs.append(
        FileJob(name: "report.json") {
          try ReportDocument(studies: studies, options: options, figures: names).encoded()
        })
    }
    for (job, result) in zip(jobs, jobs.parallelMap { job in Result { try job.render() } }) {
      out.append((job.name, try result.get()))
    }
    return out
  }

  /// Writes every file into `directory` (created if missing); returns the paths written.
  @discardableResult
  public func write(_ studies: [StudyAnalysis], to directory: URL) throws -> [URL] {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let files = try files(for: studies)
    let results = files.map { ($0.name, $0.contents) }.parallelMap { name, contents in
      let url = directory.appendingPathComponent(name)
      return Result { () throws -> URL in
        try Data(contents.utf8).write(to: url, options: .atomic)
        return url
      }
    }
    return try results.map { try $0.get() }
  }

  /// The figures of one study, in the order the page shows them.
  func figures(study: StudyAnalysis, number: Int) -> [Figure] {
    let stem = "w\(number)-\(Slug.make(study.workload))"
    var figures: [Figure] = []
    var optimizers: [String] = []
    for curve in study.curves where !optimizers.contains(curve.optimizerName) {
      optimizers.append(curve.optimizerName)
    }
    for name in optimizers {
      let curves = study.curves.filter { $0.optimizerName == name }
      let base = "\(stem)-\(Slug.make(name))"
      figures.append(
        StepsFigure.render(
          study: study, curves: curves, normalised: false, fileName: "\(base)-steps.svg"))
      figures.append(
        StepsFigure.render(
          study: study, curves: curves, normalised: true, fileName: "\(base)-normalised.svg"))
      figures.append(
        LearningRateFigure.render(
          study: study, curves: curves, fileName: "\(base)-learning-rate.svg"))
      for curve in curves {
        guard let cell = focusCell(curve) else { continue }
        let cellStem = "\(base)-\(Slug.sparsity(curve.sparsity))-b\(cell.batchSize)"
        figures.append(
          LandscapeFigure.render(
            study: study, curve: curve, cell: cell, fileName: "\(cellStem)-landscape.svg"))
        figures.append(
          ErrorCurvesFigure.render(
            study: study, curve: curve, cell: cell, fileName: "\(cellStem)-curves.svg"))
      }
    }
    for name in optimizers {
      figures += ProbeFigure.render(
        study.probes.filter { $0.optimizerName == name }, study: study,
        base: "\(stem)-\(Slug.make(name))")
    }
    if let masks = MaskDensityFigure.render(study: study, fileName: "\(stem)-masks.svg") {
      figures.append(masks)
    }
    return figures
  }

  /// The cell whose trials are drawn in detail.
  func focusCell(_ curve: CurveAnalysis) -> CellAnalysis? {
    if let b = focusBatchSize { return curve.cells.first { $0.batchSize == b } }
    return curve.cells.last { $0.region == .perfectScaling } ?? curve.points.first
      ?? curve.cells.first
  }

  /// One figure per sparsity that more than one (workload, optimizer) curve measured.
  func comparisonFigures(_ studies: [StudyAnalysis]) -> [Figure] {
    var sparsities: [Double] = []
    for study in studies {
      for curve in study.curves where !sparsities.contains(curve.sparsity) {
        sparsities.append(curve.sparsity)
      }
    }
    return sparsities.sorted().compactMap { sparsity in
      let entries = studies.flatMap { study in
        study.curves.filter { $0.sparsity == sparsity }.map { (study: study, curve: $0) }
      }
      guard entries.count > 1 else { return nil }
      return ComparisonFigure.render(
        entries: entries, sparsity: sparsity,
        fileName: "compare-\(Slug.sparsity(sparsity)).svg")
    }
  }
}
