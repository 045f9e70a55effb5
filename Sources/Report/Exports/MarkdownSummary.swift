import Analysis

/// `summary.md`: the tables and notes of the report as Markdown.
enum MarkdownSummary {
  static func render(
    _ studies: [StudyAnalysis], options: AnalysisOptions, figures: [Figure]
  ) -> String {
    var out = "# Stepwise report\n\n"
    out += Definitions.sentences(options: options).map { "- \($0)\n" }.joined() + "\n"
    for study in studies {
      out += "## \(cell(study.workload)) (\(cell(study.dataset)))\n\n"
      out += "Goal: \(GoalText.describe(study.goal))"
      if study.goal != study.storedGoal {
        out += " (trials ran to \(GoalText.describe(study.storedGoal)))"
      }
      out += "; \(study.trialCount) trials.\n\n"
      out += table(SummaryTables.curves(study, rule: options.regionRule)) + "\n"
      out += table(SummaryTables.cells(study)) + "\n"
      let notes = SummaryTables.notes(study)
      if !notes.isEmpty { out += notes.map { "- \(cell($0))\n" }.joined() + "\n" }
      out += ProbeExport.markdown(study)
    }
    if !figures.isEmpty {
      out += "## Figures\n\n" + figures.map { "- [\(cell($0.title))](\($0.fileName))\n" }.joined()
    }
    return out
  }

  static func table(_ table: SummaryTables.Table) -> String {
    var out = "| " + table.header.map(cell).joined(separator: " | ") + " |\n"
    out += "|" + String(repeating: "---|", count: table.header.count) + "\n"
    for row in table.rows { out += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
    return out
  }

  /// Text safe inside a Markdown table cell (pipes, HTML and line breaks neutralised).
  static func cell(_ text: String) -> String {
    Markup.escape(text).replacingOccurrences(of: "|", with: "\\|")
      .replacingOccurrences(of: "\n", with: " ")
  }
}
