import StepwiseDiagnostics

/// A checked study: a dataset, a model, one or more optimizers with their search spaces, and the
/// grid of batch sizes and sparsities to measure steps-to-result on.
///
/// Every default is already filled in by the loader: later stages never guess.
public struct Workload: Hashable, Sendable, Codable {
  /// The language version (`stepwise: 1`).
  public var languageVersion: Int
  public var name: String
  public var description: String?
  public var dataset: DatasetSpec
  public var model: ModelSpec
  /// Usually one; a workload may sweep several, each a separate set of cells.
  public var optimizers: [OptimizerSpec]
  public var study: StudySpec
  public var goal: Goal
  public var budget: StepBudget
  public var evaluation: EvaluationPolicy
  public var execution: ExecutionDefaults
  /// Landscape probes inside trials; nil (the default) runs none.
  public var probes: ProbesSpec?

  public init(
    languageVersion: Int = 1, name: String, description: String? = nil, dataset: DatasetSpec,
    model: ModelSpec, optimizers: [OptimizerSpec], study: StudySpec, goal: Goal,
    budget: StepBudget, evaluation: EvaluationPolicy, execution: ExecutionDefaults = .init(),
    probes: ProbesSpec? = nil
  ) {
    self.languageVersion = languageVersion
    self.name = name
    self.description = description
    self.dataset = dataset
    self.model = model
    self.optimizers = optimizers
    self.study = study
    self.goal = goal
    self.budget = budget
    self.evaluation = evaluation
    self.execution = execution
    self.probes = probes
  }
}
