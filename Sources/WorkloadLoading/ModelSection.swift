import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `model:` — a built-in architecture or a layer list, and the initialiser. The network is
/// shape-checked against the dataset's images here, so a mismatch is a load-time error.
enum ModelSection {
  static let keys = ["architecture", "layers", "init"]
  static let initKeys = ["kind", "scale", "mode", "distribution"]
  static let builtins = [
    "simple-cnn", "simple-cnn-base", "simple-cnn-narrow", "simple-cnn-wide", "resnet-8",
  ]
  /// Layer names with their keys; scalar layers have none.
  static let layerKeys: [String: [String]] = [
    "conv2d": ["filters", "kernel", "stride", "padding", "bias"],
    "max_pool": ["window", "stride"],
    "avg_pool": ["window", "stride"],
    "dense": ["units", "bias"],
    "residual": [],
    "relu": [], "flatten": [], "global_avg_pool": [],
  ]
  static let scalarLayers = ["relu", "flatten", "global_avg_pool"]

  /// Parses `fc-1024-1024` into hidden widths.
  static func fullyConnected(_ name: String) -> [Int]? {
    guard name.hasPrefix("fc-") else { return nil }
    let parts = name.dropFirst(3).split(separator: "-", omittingEmptySubsequences: false)
    let widths = parts.compactMap { Int($0) }
    guard !parts.isEmpty, widths.count == parts.count, widths.allSatisfy({ $0 >= 1 }) else {
      return nil
    }
    return widths
  }
}

/// A parsed layer with the nodes it came from, so shape errors point at the right line.
private struct LocatedLayer {
  var layer: LayerSpec
  var node: YAMLNode
  var body: [LocatedLayer] = []
}

extension WorkloadChecker {
  func model(_ node: YAMLNode, anchor: SourceRange, dataset: DatasetName?) -> ModelSpec? {
    guard
      let view = mapping(node, section: "model", keys: ModelSection.keys, anchor: anchor)
    else { return nil }
    var architecture: Architecture?
    var located: [LocatedLayer]?
    switch (view["architecture"], view["layers"]) {
    case (nil, nil):
      report(
        CommonMessages.missingKey(
          "architecture", section: "model", at: view.anchor,
          help: "name a built-in network (simple-cnn, resnet-8, fc-1024-1024, …) "
            + "or list 'layers'"))
    case (let a?, let l?):
      report(ModelMessages.bothArchitectureAndLayers(at: l.range, architecture: a.range))
    case (let a?, nil):
      architecture = builtinArchitecture(a)
    case (nil, let l?):
      if let parsed = layerList(l, what: "model.layers") {
        located = parsed
        architecture = .layers(parsed.map(\.layer))
      }
    }
    var initializer = InitializerSpec.varianceScaling()
    if let i = view["init"] { initializer = initSpec(i) ?? initializer }

    guard let architecture else { return nil }
    if let dataset {
      let shape = dataset.imageShape
      if architecture == .resnet8, shape.channels != 3 || shape.height != 32 {
        report(
          ModelMessages.datasetMismatch(
            "resnet-8", needs: "32x32x3 images", dataset: dataset,
            at: view["architecture"]?.range ?? view.anchor))
        return nil
      }
      let input = LayerShape.spatial(
        channels: shape.channels, height: shape.height, width: shape.width)
      switch ShapeInference.infer(architecture.layers(classes: dataset.classCount), input: input) {
      case .failure(let failure):
        let culprit = located.map { locate(failure.path, in: $0) } ?? view["architecture"]
        report(ModelMessages.shape(failure.reason, at: culprit?.range ?? view.anchor))
        return nil
      case .success(let result):
        if result.output != .flat(dataset.classCount) {
          let last = located?.last?.node.range ?? view.anchor
          report(ModelMessages.wrongOutput(result.output, classes: dataset.classCount, at: last))
          return nil
        }
      }
    }
    return ModelSpec(architecture: architecture, initializer: initializer)
  }

  private func locate(_ path: [Int], in layers: [LocatedLayer]) -> YAMLNode? {
    guard let first = path.first, first < layers.count else { return nil }
    let layer = layers[first]
    if path.count == 1 || layer.body.isEmpty { return layer.node }
    return locate(Array(path.dropFirst()), in: layer.body) ?? layer.node
  }

  private func builtinArchitecture(_ node: YAMLNode) -> Architecture? {
    guard let name = string(node, "model.architecture") else { return nil }
    switch name {
    case "simple-cnn": return .simpleCNN
    case "resnet-8": return .resnet8
    default: break
    }
    if name.hasPrefix("simple-cnn-"),
      let width = SimpleCNNWidth(rawValue: String(name.dropFirst("simple-cnn-".count)))
    {
      return .shallueSimpleCNN(width)
    }
    if let hidden = ModelSection.fullyConnected(name) { return .fullyConnected(hidden: hidden) }
    report(ModelMessages.unknownArchitecture(name, at: node.range))
    return nil
  }

  private func layerList(_ node: YAMLNode, what: String) -> [LocatedLayer]? {
    guard let items = nonEmptySequence(node, what) else { return nil }
    var result: [LocatedLayer] = []
    var failed = false
    for item in items {
      if let layer = self.layer(item) { result.append(layer) } else { failed = true }
    }
    return failed ? nil : result
  }

  private func layer(_ node: YAMLNode) -> LocatedLayer? {
    let names = ModelSection.layerKeys.keys.sorted()
    if let scalar = node.scalar, !scalar.isNull {
      switch scalar.value {
      case "relu": return LocatedLayer(layer: .relu, node: node)
      case "flatten": return LocatedLayer(layer: .flatten, node: node)
      case "global_avg_pool": return LocatedLayer(layer: .globalAvgPool, node: node)
      default:
        if ModelSection.layerKeys[scalar.value] != nil {
          report(ModelMessages.layerNeedsSettings(scalar.value, at: node.range))
        } else {
          report(
            CommonMessages.unknownValue(scalar.value, what: "layer", allowed: names, at: node.range)
          )
        }
        return nil
      }
    }
    guard let pairs = node.mapping, pairs.count == 1, let kind = pairs[0].key.scalar?.value else {
      report(ModelMessages.badLayer(found: describe(node), at: node.range))
      return nil
    }
    let value = pairs[0].value
    let what = "model.layers.\(kind)"
    switch kind {
    case "residual":
      guard let body = layerList(value, what: "model.layers.residual") else { return nil }
      return LocatedLayer(layer: .residual(body: body.map(\.layer)), node: node, body: body)
    case "conv2d", "max_pool", "avg_pool", "dense":
      guard
        let view = mapping(
          value, section: what, keys: ModelSection.layerKeys[kind] ?? [],
          required: kind == "conv2d"
            ? ["filters", "kernel"] : kind == "dense" ? ["units"] : ["window"],
          anchor: pairs[0].key.range)
      else { return nil }
      func positive(_ key: String) -> Int? {
        view[key].flatMap { integer($0, "\(what).\(key)", atLeast: 1) }
      }
      let bias = view["bias"].map { bool($0, "\(what).bias") } ?? true
      switch kind {
      case "conv2d":
        let padding =
          view["padding"].map { choice($0, "\(what).padding", as: Padding.self) } ?? .valid
        let stride = view["stride"] == nil ? 1 : positive("stride")
        guard let filters = positive("filters"), let kernel = positive("kernel"), let stride,
          let padding, let bias
        else { return nil }
        return LocatedLayer(
          layer: .conv2d(
            filters: filters, kernel: kernel, stride: stride, padding: padding, bias: bias),
          node: node)
      case "dense":
        guard let units = positive("units"), let bias else { return nil }
        return LocatedLayer(layer: .dense(units: units, bias: bias), node: node)
      default:
        guard let window = positive("window") else { return nil }
        let stride = view["stride"] == nil ? window : positive("stride")
        guard let stride else { return nil }
        let layer: LayerSpec =
          kind == "max_pool"
          ? .maxPool(window: window, stride: stride) : .avgPool(window: window, stride: stride)
        return LocatedLayer(layer: layer, node: node)
      }
    default:
      if ModelSection.scalarLayers.contains(kind) {
        report(ModelMessages.scalarLayerWithSettings(kind, at: pairs[0].key.range))
      } else {
        report(
          CommonMessages.unknownValue(kind, what: "layer", allowed: names, at: pairs[0].key.range))
      }
      return nil
    }
  }

  private func initSpec(_ node: YAMLNode) -> InitializerSpec? {
    if node.scalar != nil {
      guard let name = string(node, "model.init") else { return nil }
      if name == "variance-scaling" { return .varianceScaling() }
      report(
        CommonMessages.unknownValue(
          name, what: "initialiser", allowed: ["variance-scaling"], at: node.range))
      return nil
    }
    guard
      let view = mapping(
        node, section: "model.init", keys: ModelSection.initKeys, required: ["kind"])
    else { return nil }
    if let k = view["kind"], let name = string(k, "model.init.kind"), name != "variance-scaling" {
      report(
        CommonMessages.unknownValue(
          name, what: "initialiser", allowed: ["variance-scaling"], at: k.range))
    }
    var scale = 1.0
    if let s = view["scale"], let value = real(s, "model.init.scale", above: 0) { scale = value }
    let mode = view["mode"].flatMap { choice($0, "model.init.mode", as: VarianceScalingMode.self) }
    let distribution = view["distribution"].flatMap {
      choice($0, "model.init.distribution", as: InitDistribution.self)
    }
    return .varianceScaling(
      scale: scale, mode: mode ?? .fanIn, distribution: distribution ?? .truncatedNormal)
  }
}

private enum ModelMessages {
  static func bothArchitectureAndLayers(at range: SourceRange, architecture: SourceRange)
    -> Diagnostic
  {
    .error(
      "workload.model.architecture-and-layers", "'model' has both 'architecture' and 'layers'",
      detail: "use a built-in 'architecture' or a custom 'layers' list, not both", at: range,
      notes: [Note("architecture is named here", at: architecture)])
  }

  static func unknownArchitecture(_ name: String, at range: SourceRange) -> Diagnostic {
    let known = ModelSection.builtins + ["fc-<width>[-<width>…]"]
    let suggestion = Suggestions.closest(to: name, in: ModelSection.builtins)
    return .error(
      "workload.model.unknown-architecture", "unknown architecture '\(name)'",
      detail: (suggestion.map { "did you mean '\($0)'? " } ?? "")
        + "expected one of: " + known.joined(separator: ", "),
      at: range, fixIt: suggestion.map { FixIt(replacing: range, with: $0) })
  }

  static func datasetMismatch(
    _ name: String, needs: String, dataset: DatasetName,
    at range: SourceRange
  ) -> Diagnostic {
    let s = dataset.imageShape
    return .error(
      "workload.model.dataset-mismatch",
      "\(name) needs \(needs), but \(dataset.rawValue) has "
        + "\(s.height)x\(s.width)x\(s.channels)",
      detail: "use cifar-10 with resnet-8, or a Simple-CNN for the 28x28 datasets", at: range)
  }

  static func shape(_ reason: String, at range: SourceRange) -> Diagnostic {
    .error("workload.model.shape", "layer does not fit its input", detail: reason, at: range)
  }

  static func wrongOutput(_ shape: LayerShape, classes: Int, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.model.output", "the network ends with \(shape) values, not \(classes) logits",
      detail:
        "end the layer list with 'flatten' (if needed) and a 'dense' layer of \(classes) units",
      at: range)
  }

  static func layerNeedsSettings(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.model.layer-settings", "layer '\(name)' needs settings",
      detail: "write it as a mapping, for example '- \(name): {…}'", at: range)
  }

  static func scalarLayerWithSettings(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.model.layer-settings", "layer '\(name)' takes no settings",
      detail: "write it as a plain list item: '- \(name)'", at: range)
  }

  static func badLayer(found: String, at range: SourceRange) -> Diagnostic {
    .error(
      "workload.model.bad-layer", "expected a layer, found \(found)",
      detail: "a layer is a name ('- relu') or a mapping with one key ('- dense: {units: 10}')",
      at: range)
  }
}
