import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `optimizer:` (one) or `optimizers:` (a list) — the update rule, the learning-rate schedule,
/// and the search space of their metaparameters. A metaparameter is fixed (`momentum: 0.9`),
/// searched on an interval (`{min, max, scale}`) or chosen from a list (`{values: [...]}`).
enum OptimizerSection {
  static let keys = ["kind", "schedule", "search"]
  static let searchKeys = Metaparameter.allCases.map(\.rawValue)
  static let dimensionKeys = ["min", "max", "scale", "values"]
  /// Lee et al. search momentum, but when a workload does not, it is held here.
  static let defaultMomentum = 0.9
}

extension WorkloadChecker {
  func optimizers(
    single: YAMLNode?, list: YAMLNode?, anchors: (SourceRange?, SourceRange?),
    root: SourceRange
  ) -> [OptimizerSpec]? {
    switch (single, list) {
    case (nil, nil):
      report(
        CommonMessages.missingKey(
          "optimizer", section: "", at: root,
          help: "add 'optimizer: {kind: sgd, search: {learning_rate: …}}' "
            + "or an 'optimizers:' list")
      )
      return nil
    case (_?, let l?):
      report(OptimizerMessages.bothForms(at: anchors.1 ?? l.range, single: anchors.0))
      return nil
    case (let s?, nil):
      return optimizer(s, section: "optimizer", anchor: anchors.0 ?? s.range).map { [$0] }
    case (nil, let l?):
      guard let items = nonEmptySequence(l, "optimizers") else { return nil }
      var result: [OptimizerSpec] = []
      var seen: [String: SourceRange] = [:]
      var failed = false
      for (i, item) in items.enumerated() {
        guard let spec = optimizer(item, section: "optimizers[\(i)]", anchor: item.range) else {
          failed = true
          continue
        }
        let label = "\(spec.kind.rawValue)/\(spec.schedule.rawValue)"
        if let first = seen[label] {
          report(OptimizerMessages.duplicate(label, at: item.range, first: first))
          failed = true
        } else {
          seen[label] = item.range
          result.append(spec)
        }
      }
      return failed ? nil : result
    }
  }

  private func optimizer(_ node: YAMLNode, section: String, anchor: SourceRange) -> OptimizerSpec? {
    guard
      let view = mapping(
        node, section: section, keys: OptimizerSection.keys, required: ["kind"], anchor: anchor)
    else { return nil }
    let kind = view["kind"].flatMap { choice($0, "\(section).kind", as: OptimizerKind.self) }
    var schedule: ScheduleKind? = .constant
    if let s = view["schedule"] {
      schedule = choice(s, "\(section).schedule", as: ScheduleKind.self)
    }

    var settings: [Metaparameter: MetaparameterSetting] = [:]
    var searchView: MappingView?
    if let searchNode = view["search"] {
      searchView = mapping(
        searchNode, section: "\(section).search", keys: OptimizerSection.searchKeys,
        anchor: view.keyRange("search"))
    }
    // Every metaparameter written is checked, whether or not the optimizer has it.
    var written: [Metaparameter: YAMLNode] = [:]
    if let searchView {
      for parameter in Metaparameter.allCases {
        guard let valueNode = searchView[parameter.rawValue] else { continue }
        written[parameter] = valueNode
        if let setting = self.setting(
          valueNode, parameter, what: "\(section).search.\(parameter.rawValue)")
        {
          settings[parameter] = setting
        }
      }
    }
    guard let kind, let schedule else { return nil }
    let needed = Set(kind.metaparameters + schedule.metaparameters)
    var ok = true
    for (parameter, valueNode) in written where !needed.contains(parameter) {
      let owner =
        parameter == .momentum ? "optimizer '\(kind.rawValue)'" : "schedule '\(schedule.rawValue)'"
      let noteRange =
        parameter == .momentum
        ? view.keyRange("kind") : view.keyRange("schedule") ?? view.keyRange("kind")
      report(
        OptimizerMessages.notApplicable(
          parameter, owner: owner, at: searchView?.keyRange(parameter.rawValue) ?? valueNode.range,
          note: noteRange))
      ok = false
    }
    for parameter in needed.sorted() where written[parameter] == nil {
      if parameter == .momentum {
        settings[.momentum] = .fixed(OptimizerSection.defaultMomentum)
      } else {
        report(
          OptimizerMessages.missing(
            parameter, kind: kind, schedule: schedule,
            at: searchView?.anchor ?? view.anchor))
        ok = false
      }
    }
    for parameter in needed where written[parameter] != nil && settings[parameter] == nil {
      ok = false
    }
    guard ok else { return nil }
    return OptimizerSpec(
      kind: kind, schedule: schedule,
      metaparameters: settings.filter { needed.contains($0.key) })
  }

  /// A fixed value, an interval with a scale, or a list of values.
  private func setting(_ node: YAMLNode, _ parameter: Metaparameter, what: String)
    -> MetaparameterSetting?
  {
    if node.mapping == nil {
      guard let value = value(node, parameter, what: what) else { return nil }
      return .fixed(value)
    }
    guard
      let view = mapping(node, section: what, keys: OptimizerSection.dimensionKeys)
    else { return nil }
    if let valuesNode = view["values"] {
      for key in ["min", "max", "scale"] where view.has(key) {
        report(OptimizerMessages.valuesWithBounds(key, at: view.keyRange(key) ?? node.range))
        return nil
      }
      guard let items = nonEmptySequence(valuesNode, "\(what).values") else { return nil }
      var values: [Double] = []
      var seen: [Double: SourceRange] = [:]
      var failed = false
      for item in items {
        guard let v = value(item, parameter, what: "\(what).values") else {
          failed = true
          continue
        }
        if isDuplicate(v, item, what: "value", seen: seen) { failed = true }
        seen[v] = item.range
        values.append(v)
      }
      return failed ? nil : .search(.discrete(values))
    }
    for key in ["min", "max"] where !view.has(key) {
      report(
        CommonMessages.missingKey(
          key, section: what, at: view.anchor,
          help: "a searched metaparameter needs 'min' and 'max' (and a 'scale'), or 'values'"))
    }
    let scale = view["scale"].map { choice($0, "\(what).scale", as: SearchScale.self) } ?? .linear
    let low = view["min"].flatMap { value($0, parameter, what: "\(what).min") }
    let high = view["max"].flatMap { value($0, parameter, what: "\(what).max") }
    guard let low, let high, let scale, let minNode = view["min"], let maxNode = view["max"] else {
      return nil
    }
    guard low < high else {
      report(OptimizerMessages.emptyInterval(what, at: minNode.range, max: maxNode.range))
      return nil
    }
    switch scale {
    case .log where low <= 0:
      report(
        CommonMessages.outOfRange(
          what: "\(what).min", value: minNode.scalar?.value ?? "",
          rule: "greater than 0 on a log scale",
          at: minNode.range, help: "a log scale spans positive numbers, e.g. {min: 1e-4, max: 1}"))
      return nil
    case .reverseLog where high >= 1:
      report(
        CommonMessages.outOfRange(
          what: "\(what).max", value: maxNode.scalar?.value ?? "",
          rule: "less than 1 on a reverse-log scale", at: maxNode.range,
          help:
            "a reverse-log scale searches 1 - value on a log scale, e.g. {min: 0.9, max: 0.9999}"))
      return nil
    default:
      break
    }
    if parameter.isInteger {
      return .search(.integer(min: Int(low), max: Int(high), scale: scale))
    }
    return .search(.continuous(min: low, max: high, scale: scale))
  }

  /// One value of a metaparameter, typed and range-checked for that metaparameter.
  private func value(_ node: YAMLNode, _ parameter: Metaparameter, what: String) -> Double? {
    let value: Double
    if parameter.isInteger {
      guard let v = integer(node, what) else { return nil }
      value = Double(v)
    } else {
      guard let v = real(node, what) else { return nil }
      value = v
    }
    let text = node.scalar?.value ?? ""
    let rule: String?
    switch parameter {
    case .learningRate: rule = value > 0 ? nil : "greater than 0"
    case .momentum: rule = value >= 0 && value < 1 ? nil : "in [0, 1)"
    case .decaySteps: rule = value >= 1 ? nil : "at least 1"
    case .endLearningRateFactor: rule = value > 0 && value <= 1 ? nil : "in (0, 1]"
    }
    if let rule {
      report(CommonMessages.outOfRange(what: what, value: text, rule: rule, at: node.range))
      return nil
    }
    return value
  }
}

private enum OptimizerMessages {
  static func bothForms(at range: SourceRange, single: SourceRange?) -> Diagnostic {
    .error(
      "workload.optimizer.both-forms", "the workload has both 'optimizer' and 'optimizers'",
      detail: "use 'optimizer:' for one optimizer or an 'optimizers:' list for several", at: range,
      notes: single.map { [Note("'optimizer' is written here", at: $0)] } ?? [])
  }

  static func duplicate(_ label: String, at range: SourceRange, first: SourceRange) -> Diagnostic {
    .error(
      "workload.optimizer.duplicate", "optimizer \(label) is listed twice",
      detail: "each optimizer and schedule makes its own cells; merge the two search spaces",
      at: range, notes: [Note("first listed here", at: first)])
  }

  static func notApplicable(
    _ parameter: Metaparameter, owner: String, at range: SourceRange,
    note: SourceRange?
  ) -> Diagnostic {
    .error(
      "workload.optimizer.not-applicable", "\(owner) has no metaparameter '\(parameter.rawValue)'",
      detail: parameter == .momentum
        ? "remove it, or use kind 'momentum' or 'nesterov'"
        : "remove it, or use schedule 'linear-decay'",
      at: range, notes: note.map { [Note("\(owner) is chosen here", at: $0)] } ?? [])
  }

  static func missing(
    _ parameter: Metaparameter, kind: OptimizerKind, schedule: ScheduleKind,
    at range: SourceRange
  ) -> Diagnostic {
    let owner =
      kind.metaparameters.contains(parameter)
      ? "optimizer '\(kind.rawValue)'" : "schedule '\(schedule.rawValue)'"
    let example: String
    switch parameter {
    case .learningRate: example = "learning_rate: {min: 1e-4, max: 1, scale: log}"
    case .momentum: example = "momentum: {min: 0.9, max: 0.9999, scale: reverse-log}"
    case .decaySteps: example = "decay_steps: {min: 30000, max: 60000}"
    case .endLearningRateFactor:
      example = "end_learning_rate_factor: {min: 1e-4, max: 0.1, scale: log}"
    }
    return .error(
      "workload.optimizer.missing-metaparameter",
      "\(owner) needs '\(parameter.rawValue)' in 'search'",
      detail: "add '\(example)' or a fixed value", at: range)
  }

  static func valuesWithBounds(_ key: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.optimizer.values-with-bounds", "'values' cannot be combined with '\(key)'",
      detail: "search either a list of 'values' or an interval 'min'/'max'/'scale'", at: range)
  }

  static func emptyInterval(_ what: String, at range: SourceRange, max: SourceRange) -> Diagnostic {
    .error(
      "workload.optimizer.empty-interval", "'\(what)': min must be less than max",
      detail: "swap the bounds, or write a fixed value instead of an interval", at: range,
      notes: [Note("max is set here", at: max)])
  }
}
