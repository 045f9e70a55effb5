import Analysis

/// `index.html`: one self-contained page (inline CSS and SVG, no script, no network), so it opens
/// offline and can be mailed as a single file.
enum HTMLPage {
  static func render(
    _ studies: [StudyAnalysis], options: AnalysisOptions, source: String,
    figuresByStudy: [[Figure]], comparisons: [Figure]
  ) -> String {
    var out = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Stepwise report</title>
      <style>
      body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
      h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 15px; }
      table { border-collapse: collapse; font-size: 12px; margin: 8px 0 16px; }
      th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
      th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
      .figures { display: flex; flex-wrap: wrap; gap: 12px; }
      .figures figure { margin: 0; border: 1px solid #ddd; }
      .note { color: #444; font-size: 13px; } code { background: #f4f4f4; padding: 0 3px; }
      </style>
      </head>
      <body>
      <h1>Stepwise report</h1>

      """
    out += "<p class=\"note\">Source: <code>\(Markup.escape(source))</code></p>\n<ul class=\"note\">\n"
    for sentence in Definitions.sentences(options: options) {
      out += "<li>\(Markup.escape(sentence))</li>\n"
    }
    out += "</ul>\n"
    for (i, study) in studies.enumerated() {
      out += "<h2>\(Markup.escape(study.workload)) <small>(\(Markup.escape(study.dataset)))</small></h2>\n"
      var goal = "Goal: " + GoalText.describe(study.goal)
      if study.goal != study.storedGoal {
        goal += " (trials ran to \(GoalText.describe(study.storedGoal)))"
      }
      out += "<p>\(Markup.escape(goal)); \(study.trialCount) trials.</p>\n"
      out += "<h3>Critical batch size</h3>\n"
      out += table(SummaryTables.curves(study, rule: options.regionRule))
      if i < figuresByStudy.count { out += figureBlock(figuresByStudy[i]) }
      out += "<h3>Cells</h3>\n" + table(SummaryTables.cells(study))
      let notes = SummaryTables.notes(study)
      if !notes.isEmpty {
        out += "<h3>Notes</h3>\n<ul class=\"note\">\n"
        out += notes.map { "<li>\(Markup.escape($0))</li>\n" }.joined() + "</ul>\n"
      }
    }
    if !comparisons.isEmpty {
      out += "<h2>Comparisons across workloads and optimizers</h2>\n" + figureBlock(comparisons)
    }
    out += "</body>\n</html>\n"
    return out
  }

  static func table(_ table: SummaryTables.Table) -> String {
    var out = "<table>\n<tr>"
    out += table.header.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr>\n"
    for row in table.rows {
      out += "<tr>" + row.map { "<td>\(Markup.escape($0))</td>" }.joined() + "</tr>\n"
    }
    return out + "</table>\n"
  }

  static func figureBlock(_ figures: [Figure]) -> String {
    "<div class=\"figures\">\n"
      + figures.map { "<figure id=\"\(Markup.escape($0.fileName))\">\n\($0.svg)</figure>\n" }
      .joined() + "</div>\n"
  }
}
