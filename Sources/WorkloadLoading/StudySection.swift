import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `study:` — the grid of cells (batch sizes x sparsities), how masks are made, and the trials
/// (points of a quasi-random sequence) each cell gets.
enum StudySection {
  static let keys = ["batch_sizes", "sparsities", "pruning", "trials", "sequence", "seed"]
  static let required = ["batch_sizes", "trials"]
  static let batchRangeKeys = ["powers_of_two"]
  static let pruningKeys = ["method", "examples", "prunable", "scope", "temperature"]
  static let examplesKeys = ["all_in_batches_of", "count", "per_class"]
  static let sequenceKeys = ["kind", "skip", "seed"]
  static let sequenceKinds = ["sobol", "scrambled-halton"]
  /// GraSP's official temperature.
  static let defaultTemperature = 200.0
  /// Lee et al.'s SNIP scores the whole training split; 100 examples per forward pass.
  static let defaultExamples = PruningExamples.all(batchSize: 100)
  static let maxTrials = 1_000_000
}

extension WorkloadChecker {
  func study(_ node: YAMLNode, anchor: SourceRange, dataset: DatasetSpec?) -> StudySpec? {
    guard
      let view = mapping(
        node, section: "study", keys: StudySection.keys, required: StudySection.required,
        anchor: anchor)
    else { return nil }
    let batchSizes = view["batch_sizes"].flatMap { self.batchSizes($0, dataset: dataset) }
    var sparsities: [Located<Double>]? = [Located(0.0)]
    if let s = view["sparsities"] { sparsities = self.sparsities(s) }
    var pruning: PruningSpec? = PruningSpec(method: .none)
    var methodNode: YAMLNode?
    if let p = view["pruning"] {
      (pruning, methodNode) = self.pruning(p, anchor: view.keyRange("pruning") ?? p.range)
    }
    if let pruning, pruning.method == .none, let sparsities {
      for s in sparsities where s.value != 0 {
        report(
          StudyMessages.sparsityWithoutPruning(
            s, method: methodNode?.range ?? view.keyRange("pruning")))
      }
    }
    let trials = view["trials"].flatMap { integer($0, "study.trials", atLeast: 1) }
    if let trials, trials > StudySection.maxTrials, let t = view["trials"] {
      report(
        CommonMessages.outOfRange(
          what: "study.trials", value: String(trials), rule: "at most \(StudySection.maxTrials)",
          at: t.range))
      return nil
    }
    var sequence: SequenceSpec? = .sobol(skip: 1)
    if let s = view["sequence"] { sequence = self.sequence(s, anchor: view.keyRange("sequence")) }
    var seed: Int? = 0
    if let s = view["seed"] { seed = integer(s, "study.seed", atLeast: 0) }
    guard let batchSizes, let sparsities, let pruning, let trials, let sequence, let seed else {
      return nil
    }
    if pruning.method == .none, sparsities.contains(where: { $0.value != 0 }) { return nil }
    return StudySpec(
      batchSizes: batchSizes, sparsities: sparsities, pruning: pruning, trials: trials,
      sequence: sequence, seed: seed)
  }

  private func batchSizes(_ node: YAMLNode, dataset: DatasetSpec?) -> [Located<Int>]? {
    var result: [Located<Int>] = []
    var failed = false
    if node.mapping != nil {
      guard
        let view = mapping(
          node, section: "study.batch_sizes", keys: StudySection.batchRangeKeys,
          required: ["powers_of_two"])
      else { return nil }
      guard let rangeNode = view["powers_of_two"],
        let bounds = sequence(rangeNode, "study.batch_sizes.powers_of_two")
      else { return nil }
      guard bounds.count == 2 else {
        report(StudyMessages.rangeNeedsTwo(found: bounds.count, at: rangeNode.range))
        return nil
      }
      let low = integer(bounds[0], "study.batch_sizes.powers_of_two", atLeast: 1)
      let high = integer(bounds[1], "study.batch_sizes.powers_of_two", atLeast: 1)
      for (value, bound) in [(low, bounds[0]), (high, bounds[1])] {
        if let value, value & (value - 1) != 0 {
          report(StudyMessages.notPowerOfTwo(value, at: bound.range))
          failed = true
        }
      }
      guard let low, let high, !failed else { return nil }
      guard low <= high else {
        report(StudyMessages.reversedRange(low, high, at: bounds[0].range, max: bounds[1].range))
        return nil
      }
      var b = low
      while b <= high {
        result.append(Located(b, at: rangeNode.range))
        if b > Int.max / 2 { break }
        b *= 2
      }
    } else {
      guard let items = nonEmptySequence(node, "study.batch_sizes") else { return nil }
      var seen: [Int: SourceRange] = [:]
      for item in items {
        guard let value = integer(item, "study.batch_sizes", atLeast: 1) else {
          failed = true
          continue
        }
        if isDuplicate(value, item, what: "batch size", text: String(value), seen: seen) {
          failed = true
          continue
        }
        seen[value] = item.range
        result.append(Located(value, at: item.range))
      }
    }
    if let dataset {
      let limit = dataset.trainingExamples
      for b in result where b.value > limit {
        report(StudyMessages.batchTooLarge(b, dataset: dataset))
        failed = true
      }
    }
    return failed ? nil : result
  }

  private func sparsities(_ node: YAMLNode) -> [Located<Double>]? {
    guard let items = nonEmptySequence(node, "study.sparsities") else { return nil }
    var result: [Located<Double>] = []
    var seen: [Double: SourceRange] = [:]
    var failed = false
    for item in items {
      guard let value = real(item, "study.sparsities") else {
        failed = true
        continue
      }
      guard value >= 0, value < 1 else {
        report(
          CommonMessages.outOfRange(
            what: "study.sparsities", value: item.scalar?.value ?? "", rule: "in [0, 1)",
            at: item.range, help: "a sparsity is the fraction of parameters pruned: 0.9 keeps 10%"))
        failed = true
        continue
      }
      if isDuplicate(value, item, what: "sparsity", seen: seen) {
        failed = true
        continue
      }
      seen[value] = item.range
      result.append(Located(value, at: item.range))
    }
    return failed ? nil : result
  }

  /// The pruning spec and the node that names its method (for notes).
  private func pruning(_ node: YAMLNode, anchor: SourceRange) -> (PruningSpec?, YAMLNode?) {
    if node.scalar != nil {
      guard let method = choice(node, "study.pruning", as: PruningMethod.self) else {
        return (nil, node)
      }
      return (
        PruningSpec(
          method: method, temperature: method == .grasp ? StudySection.defaultTemperature : nil),
        node
      )
    }
    guard
      let view = mapping(
        node, section: "study.pruning", keys: StudySection.pruningKeys, required: ["method"],
        anchor: anchor)
    else { return (nil, nil) }
    let methodNode = view["method"]
    let method = methodNode.flatMap { choice($0, "study.pruning.method", as: PruningMethod.self) }
    var examples: PruningExamples? = StudySection.defaultExamples
    if let e = view["examples"] { examples = pruningExamples(e) }
    var prunable: PrunableSet? = .weightsAndBiases
    if let p = view["prunable"] {
      prunable = choice(p, "study.pruning.prunable", as: PrunableSet.self)
    }
    var scope: PruningScope? = .global
    if let s = view["scope"] { scope = choice(s, "study.pruning.scope", as: PruningScope.self) }
    var temperature: Double?? = .some(nil)
    if let t = view["temperature"] {
      if let value = real(t, "study.pruning.temperature") {
        if value <= 0 {
          report(
            CommonMessages.outOfRange(
              what: "study.pruning.temperature", value: t.scalar?.value ?? "",
              rule: "greater than 0", at: t.range))
          temperature = nil
        } else if let method, method != .grasp {
          report(
            StudyMessages.temperatureWithoutGrasp(
              method, at: view.keyRange("temperature") ?? t.range,
              method: methodNode?.range))
          temperature = nil
        } else {
          temperature = .some(value)
        }
      } else {
        temperature = nil
      }
    } else if method == .grasp {
      temperature = .some(StudySection.defaultTemperature)
    }
    guard let method, let examples, let prunable, let scope, let temperature else {
      return (nil, methodNode)
    }
    return (
      PruningSpec(
        method: method, examples: examples, prunable: prunable, scope: scope,
        temperature: temperature),
      methodNode
    )
  }

  private func pruningExamples(_ node: YAMLNode) -> PruningExamples? {
    if let scalar = node.scalar, !isString(node) || scalar.value == "all" {
      if scalar.value == "all" { return StudySection.defaultExamples }
      report(StudyMessages.badExamples(found: describe(node), at: node.range))
      return nil
    }
    guard
      let view = mapping(node, section: "study.pruning.examples", keys: StudySection.examplesKeys)
    else { return nil }
    let written = StudySection.examplesKeys.filter { view.has($0) }
    guard written.count == 1, let key = written.first, let valueNode = view[key] else {
      report(StudyMessages.badExamples(found: describe(node), at: node.range))
      return nil
    }
    guard let n = integer(valueNode, "study.pruning.examples.\(key)", atLeast: 1) else {
      return nil
    }
    switch key {
    case "all_in_batches_of": return .all(batchSize: n)
    case "count": return .count(n)
    default: return .perClass(n)
    }
  }

  private func sequence(_ node: YAMLNode, anchor: SourceRange?) -> SequenceSpec? {
    if node.scalar != nil {
      guard let kind = string(node, "study.sequence") else { return nil }
      switch kind {
      case "sobol": return .sobol(skip: 1)
      case "scrambled-halton": return .scrambledHalton(seed: 0)
      default:
        report(
          CommonMessages.unknownValue(
            kind, what: "sequence", allowed: StudySection.sequenceKinds, at: node.range))
        return nil
      }
    }
    guard
      let view = mapping(
        node, section: "study.sequence", keys: StudySection.sequenceKeys, required: ["kind"],
        anchor: anchor)
    else { return nil }
    guard let kindNode = view["kind"], let kind = string(kindNode, "study.sequence.kind") else {
      return nil
    }
    // Each kind takes one setting (Sobol a skip, Halton a seed) and refuses the other's.
    let (own, other): (String, String)
    switch kind {
    case "sobol": (own, other) = ("skip", "seed")
    case "scrambled-halton": (own, other) = ("seed", "skip")
    default:
      report(
        CommonMessages.unknownValue(
          kind, what: "sequence", allowed: StudySection.sequenceKinds, at: kindNode.range))
      return nil
    }
    if let s = view[other] {
      report(
        StudyMessages.wrongSequenceKey(other, kind: kind, at: view.keyRange(other) ?? s.range))
      return nil
    }
    guard let value = optionalInteger(view, own, atLeast: 0) else { return nil }
    return kind == "sobol" ? .sobol(skip: value ?? 1) : .scrambledHalton(seed: value ?? 0)
  }
}

private enum StudyMessages {
  static func rangeNeedsTwo(found: Int, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.study.range-bounds", "'powers_of_two' needs two bounds, found \(found)",
      detail: "write '{powers_of_two: [2, 16384]}' for 2, 4, …, 16384", at: range)
  }

  static func notPowerOfTwo(_ value: Int, at range: SourceRange) -> Diagnostic {
    var lower = 1
    while lower * 2 <= value { lower *= 2 }
    return .error(
      "workload.study.not-power-of-two", "\(value) is not a power of two",
      detail: "use \(lower) or \(lower * 2), or list the batch sizes explicitly", at: range)
  }

  static func reversedRange(_ low: Int, _ high: Int, at range: SourceRange, max: SourceRange)
    -> Diagnostic
  {
    .error(
      "workload.study.reversed-range", "the range starts at \(low), after its end \(high)",
      detail: "write the smaller bound first: [\(high), \(low)]", at: range,
      notes: [Note("the end is set here", at: max)])
  }

  static func batchTooLarge(_ b: Located<Int>, dataset: DatasetSpec) -> Diagnostic {
    .error(
      "workload.study.batch-too-large",
      "batch size \(b.value) is larger than the training split",
      detail: "\(dataset.name.rawValue) trains on \(dataset.trainingExamples) examples "
        + "(\(dataset.name.trainingExamples) minus a holdout of \(dataset.validation.holdout))",
      at: b.range ?? .unknown)
  }

  static func sparsityWithoutPruning(_ s: Located<Double>, method: SourceRange?) -> Diagnostic {
    .error(
      "workload.study.sparsity-without-pruning",
      "sparsity \(s.value) needs a pruning method, but pruning is 'none'",
      detail: "set 'pruning: snip' (or grasp, random, magnitude), or keep only sparsity 0",
      at: s.range ?? method ?? .unknown,
      notes: method.map { [Note("pruning is chosen here", at: $0)] } ?? [
        Note("pruning defaults to 'none' when 'study.pruning' is absent")
      ])
  }

  static func temperatureWithoutGrasp(
    _ method: PruningMethod, at range: SourceRange,
    method methodRange: SourceRange?
  ) -> Diagnostic {
    .error(
      "workload.study.temperature", "pruning method '\(method.rawValue)' has no temperature",
      detail: "only grasp uses 'temperature'; remove it", at: range,
      notes: methodRange.map { [Note("method is chosen here", at: $0)] } ?? [])
  }

  static func badExamples(found: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.study.examples",
      "expected 'all' or one of all_in_batches_of, count, per_class, "
        + "found \(found)",
      detail:
        "e.g. 'examples: all', '{all_in_batches_of: 500}', '{count: 100}' or '{per_class: 10}'",
      at: range)
  }

  static func wrongSequenceKey(_ key: String, kind: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.study.sequence-key", "sequence '\(kind)' has no '\(key)'",
      detail: "sobol takes 'skip'; scrambled-halton takes 'seed'", at: range)
  }
}

extension SourceRange {
  /// For values the loader itself made (they always carry a range; this is a safe fallback).
  fileprivate static var unknown: SourceRange {
    let p = SourcePosition(line: 1, column: 1, offset: 0)
    return SourceRange(path: "", start: p, end: p)
  }
}
