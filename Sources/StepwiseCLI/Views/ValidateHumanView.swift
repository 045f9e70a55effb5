import StepwiseDiagnostics

/// `stepwise validate` for people: diagnostics on standard error, a short summary of each clean
/// workload on standard output.
struct ValidateHumanView {
  var renderer: DiagnosticRenderer

  func diagnostics(_ diagnostics: [Diagnostic]) -> String {
    renderer.render(diagnostics)
  }

  func summary(path: String, _ s: WorkloadSummary) -> String {
    let params = s.parameterCount.map { " (\(grouped($0)) parameters)" } ?? ""
    let sizes = s.batchSizes.map(String.init).joined(separator: ", ")
    let sparsities = s.sparsities.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }
      .joined(separator: ", ")
    return """
      \(path): ok: \(s.name)
        dataset     \(s.dataset), \(grouped(s.trainingExamples)) training / \
      \(grouped(s.validationExamples)) validation examples
        model       \(s.architecture)\(params)
        optimizers  \(s.optimizers.joined(separator: ", "))
        grid        batch sizes [\(sizes)] x sparsities [\(sparsities)]
        trials      \(grouped(s.cells)) cells x \(grouped(s.trialsPerCell)) = \(grouped(s.trials))
        goal        \(s.goal) within \(grouped(s.maxSteps)) steps, evaluated every \
      \(grouped(s.evaluateEverySteps))\(s.evaluationDetail ?? "")

      """
  }

  func footer(files: Int, errors: Int, warnings: Int) -> String {
    guard errors + warnings > 0 else { return "" }
    func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
    return
      "\(plural(errors, "error")) and \(plural(warnings, "warning")) in \(plural(files, "file"))\n"
  }
}
