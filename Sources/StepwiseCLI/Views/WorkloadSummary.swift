import WorkloadModel

/// The facts `validate` reports about a workload that checked clean, shared by both views.
struct WorkloadSummary: Codable, Equatable {
  var name: String
  var dataset: String
  var trainingExamples: Int
  var validationExamples: Int
  var architecture: String
  /// Weights and biases of the dense network (before pruning); nil if the shape is unknown.
  var parameterCount: Int?
  var optimizers: [String]
  var batchSizes: [Int]
  var sparsities: [Double]
  var cells: Int
  var trialsPerCell: Int
  var trials: Int
  var goal: String
  var maxSteps: Int
  var evaluateEverySteps: Int
  /// Nil for Lee et al.'s fixed interval with early exit; otherwise how the evaluation differs
  /// from it (absent from the JSON view when nil, so its output is unchanged for such workloads).
  var evaluationDetail: String?

  init(_ w: Workload) {
    name = w.name
    dataset = w.dataset.name.rawValue
    trainingExamples = w.dataset.trainingExamples
    validationExamples = w.dataset.validation.holdout
    architecture = w.model.architecture.name
    let shape = w.dataset.name.imageShape
    let input = LayerShape.spatial(
      channels: shape.channels, height: shape.height, width: shape.width)
    switch ShapeInference.infer(
      w.model.architecture.layers(classes: w.dataset.name.classCount), input: input)
    {
    case .success(let result): parameterCount = result.parameterCount
    case .failure: parameterCount = nil
    }
    optimizers = w.optimizers.map { "\($0.kind.rawValue)/\($0.schedule.rawValue)" }
    batchSizes = w.study.batchSizes.map(\.value)
    sparsities = w.study.sparsities.map(\.value)
    cells = w.optimizers.count * batchSizes.count * sparsities.count
    trialsPerCell = w.study.trials
    trials = cells * trialsPerCell
    goal = "\(w.goal.metric.rawValue) \(w.goal.comparison.rawValue) \(w.goal.threshold)"
    maxSteps = w.budget.maxSteps
    evaluateEverySteps = w.evaluation.everySteps
    let e = w.evaluation
    var detail = ""
    if let growth = e.growth { detail += " steps, then x\(growth) each time (geometric)" }
    if !e.overrides.isEmpty {
      detail +=
        " (by batch size: "
        + e.overrides.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
          .joined(separator: ", ") + ")"
    }
    if !e.exitEarly { detail += ", always in full (exit_early: false)" }
    evaluationDetail = detail.isEmpty ? nil : detail
  }
}
