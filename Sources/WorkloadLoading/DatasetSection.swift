import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `dataset:` — which data, where its files are, the validation holdout and normalisation.
enum DatasetSection {
  static let keys = ["name", "directory", "validation", "normalize", "sha256"]
  static let required = ["name", "directory"]
  static let validationKeys = ["holdout", "seed"]

  /// Lee et al.'s holdouts: 10% of MNIST and Fashion-MNIST, 5,000 of CIFAR-10's 50,000.
  static func defaultHoldout(_ name: DatasetName) -> Int {
    name == .cifar10 ? 5_000 : 6_000
  }

  /// Lee et al.: one global mean/std for the grey-scale sets, per channel for CIFAR-10.
  static func defaultNormalization(_ name: DatasetName) -> Normalization {
    name == .cifar10 ? .perChannel : .global
  }
}

extension WorkloadChecker {
  func dataset(_ node: YAMLNode, anchor: SourceRange) -> DatasetSpec? {
    guard
      let view = mapping(
        node, section: "dataset", keys: DatasetSection.keys, required: DatasetSection.required,
        anchor: anchor)
    else { return nil }
    let name = view["name"].flatMap { choice($0, "dataset.name", as: DatasetName.self) }
    let directory = view["directory"].flatMap { datasetDirectory($0) }

    var holdout = name.map(DatasetSection.defaultHoldout)
    var seed = 0
    var holdoutNode: YAMLNode?
    if let validationNode = view["validation"],
      let validation = mapping(
        validationNode, section: "dataset.validation", keys: DatasetSection.validationKeys,
        anchor: view.keyRange("validation"))
    {
      if let h = validation["holdout"] {
        holdoutNode = h
        holdout = integer(h, "dataset.validation.holdout", atLeast: 1)
      }
      if let s = validation["seed"] {
        seed = integer(s, "dataset.validation.seed", atLeast: 0) ?? 0
      }
    }
    if let name, let h = holdout, h >= name.trainingExamples {
      report(
        DatasetMessages.holdoutTooLarge(
          h, dataset: name, at: holdoutNode?.range ?? view.anchor))
      holdout = nil
    }

    var normalization = name.map(DatasetSection.defaultNormalization)
    if let n = view["normalize"] {
      normalization = choice(n, "dataset.normalize", as: Normalization.self)
    }

    var digests: [String: String] = [:]
    if let shaNode = view["sha256"] {
      if let pairs = shaNode.mapping {
        for pair in pairs {
          guard let fileName = pair.key.scalar?.value,
            let digest = string(pair.value, "dataset.sha256.\(fileName)")
          else { continue }
          let isHex =
            digest.count == 64
            && digest.unicodeScalars.allSatisfy {
              ("0"..."9").contains($0) || ("a"..."f").contains($0)
            }
          if isHex {
            digests[fileName] = digest
          } else {
            report(DatasetMessages.badDigest(digest, at: pair.value.range))
          }
        }
      } else {
        report(
          CommonMessages.wrongType(
            expected: "a mapping of file names to SHA-256 digests", found: describe(shaNode),
            what: "dataset.sha256", at: shaNode.range))
      }
    }

    guard let name, let directory, let holdout, let normalization else { return nil }
    return DatasetSpec(
      name: name, directory: directory, validation: ValidationSplit(holdout: holdout, seed: seed),
      normalization: normalization, sha256: digests)
  }

  /// The directory with `${NAME}` / `${NAME:-default}` expanded and, when relative, resolved
  /// against the directory of the workload file (not the current directory).
  private func datasetDirectory(_ node: YAMLNode) -> Located<String>? {
    guard let raw = string(node, "dataset.directory") else { return nil }
    switch EnvironmentExpansion.expand(raw, environment: environment) {
    case .failure(.unset(let name, _)):
      report(DatasetMessages.unsetVariable(name, at: node.range))
      return nil
    case .failure(.malformed):
      report(DatasetMessages.malformedVariable(raw, at: node.range))
      return nil
    case .success(let expanded):
      guard !expanded.isEmpty else {
        report(DatasetMessages.emptyDirectory(at: node.range))
        return nil
      }
      if expanded.hasPrefix("/") { return Located(expanded, at: node.range) }
      let path = file.path
      guard let slash = path.lastIndex(of: "/") else { return Located(expanded, at: node.range) }
      let base = String(path[..<slash])
      return Located((base.isEmpty ? "" : base) + "/" + expanded, at: node.range)
    }
  }
}

private enum DatasetMessages {
  static func holdoutTooLarge(_ holdout: Int, dataset: DatasetName, at range: SourceRange)
    -> Diagnostic
  {
    .error(
      "workload.dataset.holdout-too-large",
      "holdout of \(holdout) leaves no training examples",
      detail: "\(dataset.rawValue) has \(dataset.trainingExamples) training examples; hold out "
        + "fewer (Lee et al.: \(DatasetSection.defaultHoldout(dataset)))",
      at: range)
  }

  static func badDigest(_ digest: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.dataset.bad-digest", "'\(digest)' is not a SHA-256 digest",
      detail: "write 64 lowercase hexadecimal digits, as printed by 'sha256sum'", at: range)
  }

  static func unsetVariable(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.dataset.unset-variable", "environment variable '\(name)' is not set",
      detail: "set \(name), or give a default: '${\(name):-/usr/share/datasets}'", at: range)
  }

  static func malformedVariable(_ text: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.dataset.malformed-variable", "malformed variable reference in '\(text)'",
      detail: "write '${NAME}' or '${NAME:-default}'; write '$$' for a literal '$'", at: range)
  }

  static func emptyDirectory(at range: SourceRange) -> Diagnostic {
    .error(
      "workload.dataset.empty-directory", "'dataset.directory' is empty",
      detail: "name the directory that holds the dataset's files", at: range)
  }
}
