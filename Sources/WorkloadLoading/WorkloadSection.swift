import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// The top level of a workload file: the language version, the name, and the sections, checked
/// in dependency order (the dataset before the model and study that depend on its shape and size).
enum WorkloadSection {
  static let keys = [
    "stepwise", "name", "description", "dataset", "model", "optimizer", "optimizers", "study",
    "goal", "budget", "evaluation", "execution", "probes",
  ]
  static let required = ["stepwise", "name", "dataset", "model", "study", "goal", "budget"]
  static let supportedVersions = [1]
}

extension WorkloadChecker {
  func workload(_ root: YAMLNode?) -> Workload? {
    guard let root else {
      report(WorkloadMessages.emptyFile(file))
      return nil
    }
    guard root.mapping != nil else {
      report(WorkloadMessages.notAMapping(found: describe(root), at: root.range))
      return nil
    }
    let top = root.range
    guard
      let view = mapping(root, section: "", keys: WorkloadSection.keys, anchor: file.startRange)
    else { return nil }
    // Required keys are reported one by one so that 'stepwise' gets its fix-it.
    var version: Int? = 1
    if let v = view["stepwise"] {
      version = integer(v, "stepwise")
      if let value = version, !WorkloadSection.supportedVersions.contains(value) {
        report(WorkloadMessages.unsupportedVersion(value, at: v.range))
        return nil
      }
    } else {
      report(WorkloadMessages.missingVersion(file))
    }
    for key in WorkloadSection.required where key != "stepwise" && !view.has(key) {
      report(CommonMessages.missingKey(key, section: "", at: file.startRange, help: nil))
    }
    var name: String?
    if let n = view["name"], let text = string(n, "name") {
      if Self.isValidName(text) {
        name = text
      } else {
        report(WorkloadMessages.badName(text, at: n.range))
      }
    }
    var description: String?
    if let d = view["description"] { description = string(d, "description") }

    let dataset = view["dataset"].flatMap {
      self.dataset($0, anchor: view.keyRange("dataset") ?? top)
    }
    let model = view["model"].flatMap {
      self.model($0, anchor: view.keyRange("model") ?? top, dataset: dataset?.name)
    }
    let optimizers = self.optimizers(
      single: view["optimizer"], list: view["optimizers"],
      anchors: (view.keyRange("optimizer"), view.keyRange("optimizers")), root: file.startRange)
    let study = view["study"].flatMap {
      self.study($0, anchor: view.keyRange("study") ?? top, dataset: dataset)
    }
    let goal = view["goal"].flatMap { self.goal($0, anchor: view.keyRange("goal") ?? top) }
    let budget = view["budget"].flatMap {
      self.budget($0, anchor: view.keyRange("budget") ?? top, study: study, goal: goal)
    }
    let evaluation = self.evaluation(
      view["evaluation"], anchor: view.keyRange("evaluation"), budget: budget, study: study)
    let execution = self.execution(view["execution"], anchor: view.keyRange("execution"))
    let probes = self.probes(view["probes"], anchor: view.keyRange("probes"))

    guard !hasErrors, let version, let name, let dataset, let model, let optimizers, let study,
      let goal, let budget, let evaluation, let execution, let probes
    else { return nil }
    return Workload(
      languageVersion: version, name: name, description: description, dataset: dataset,
      model: model, optimizers: optimizers, study: study, goal: goal, budget: budget,
      evaluation: evaluation, execution: execution, probes: probes)
  }

  /// Names become directory and file names in reports: letters, digits, '.', '_' and '-'.
  static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, name.count <= 100 else { return false }
    func ok(_ c: Unicode.Scalar) -> Bool {
      ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
    return ok(first)
      && name.unicodeScalars.allSatisfy { ok($0) || $0 == "-" || $0 == "_" || $0 == "." }
  }
}

private enum WorkloadMessages {
  static func emptyFile(_ file: SourceFile) -> Diagnostic {
    .error(
      "workload.empty-file", "the workload file is empty",
      detail: "run 'stepwise init' to write a commented starter workload", at: file.startRange)
  }

  static func notAMapping(found: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.not-a-mapping", "a workload is a mapping of sections, found \(found)",
      detail: "start with 'stepwise: 1' and 'name: …' at the left margin", at: range)
  }

  static func missingVersion(_ file: SourceFile) -> Diagnostic {
    .error(
      "workload.missing-version", "the workload does not say its language version",
      detail: "add 'stepwise: 1' as the first line", at: file.startRange,
      fixIt: FixIt(replacing: file.startRange, with: "stepwise: 1\n"))
  }

  static func unsupportedVersion(_ version: Int, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.unsupported-version", "language version \(version) is not supported",
      detail: "this stepwise reads version "
        + WorkloadSection.supportedVersions.map(String.init).joined(separator: ", "),
      at: range)
  }

  static func badName(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.bad-name", "workload name '\(name)' is not a simple name",
      detail: "use letters, digits, '-', '_' and '.', starting with a letter or digit "
        + "(at most 100 characters)",
      at: range)
  }
}
