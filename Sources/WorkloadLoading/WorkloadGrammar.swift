/// The keys each mapping of the language accepts, by dotted section name, as the checker uses
/// them. Tests compare this with `grammar/workload.schema.json`, so the schema an editor uses and
/// the checker never drift apart.
public enum WorkloadGrammar {
  public static let keys: [String: [String]] = [
    "": WorkloadSection.keys,
    "dataset": DatasetSection.keys,
    "dataset.validation": DatasetSection.validationKeys,
    "model": ModelSection.keys,
    "model.init": ModelSection.initKeys,
    "model.layers.conv2d": ModelSection.layerKeys["conv2d"] ?? [],
    "model.layers.max_pool": ModelSection.layerKeys["max_pool"] ?? [],
    "model.layers.avg_pool": ModelSection.layerKeys["avg_pool"] ?? [],
    "model.layers.dense": ModelSection.layerKeys["dense"] ?? [],
    "optimizer": OptimizerSection.keys,
    "optimizer.search": OptimizerSection.searchKeys,
    "optimizer.search.dimension": OptimizerSection.dimensionKeys,
    "study": StudySection.keys,
    "study.batch_sizes": StudySection.batchRangeKeys,
    "study.pruning": StudySection.pruningKeys,
    "study.pruning.examples": StudySection.examplesKeys,
    "study.sequence": StudySection.sequenceKeys,
    "goal": GoalSection.keys,
    "budget": BudgetSection.keys,
    "budget.give_up": BudgetSection.giveUpKeys,
    "evaluation": EvaluationSection.keys,
    "execution": ExecutionSection.keys,
    "probes": ProbesSection.keys,
    "probes.lipschitz": ProbesSection.lipschitzKeys,
    "probes.noise_scale": ProbesSection.noiseScaleKeys,
  ]

  /// Layer names a `model.layers` item may use.
  public static let layerNames: [String] = ModelSection.layerKeys.keys.sorted()
}
