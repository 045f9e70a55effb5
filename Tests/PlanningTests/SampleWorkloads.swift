import Planning
import StepwiseDiagnostics
import WorkloadModel

/// Workloads built in Swift, for tests that do not go through YAML.
enum SampleWorkloads {
  static let digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

  /// A small Lee et al.-style study: MNIST Simple-CNN, Nesterov, eta and gamma searched.
  static func mnistNesterov(
    batchSizes: [Int] = [16, 64, 256], sparsities: [Double] = [0, 0.9], trials: Int = 8
  ) -> Workload {
    Workload(
      name: "mnist-nesterov",
      dataset: DatasetSpec(
        name: .mnist, directory: Located("/data/mnist"),
        validation: ValidationSplit(holdout: 6000, seed: 0), normalization: .global),
      model: ModelSpec(architecture: .simpleCNN),
      optimizers: [
        OptimizerSpec(
          kind: .nesterov, schedule: .constant,
          metaparameters: [
            .learningRate: .search(.continuous(min: 1e-4, max: 1, scale: .log)),
            .momentum: .search(.continuous(min: 0.9, max: 0.9999, scale: .reverseLog)),
          ])
      ],
      study: StudySpec(
        batchSizes: batchSizes.map { Located($0) }, sparsities: sparsities.map { Located($0) },
        pruning: PruningSpec(method: .snip), trials: trials),
      goal: Goal(comparison: .atMost, threshold: 0.02),
      budget: StepBudget(maxSteps: 4000),
      evaluation: EvaluationPolicy(everySteps: 100))
  }

  /// A second optimizer with an integer and a fixed metaparameter beside the searched rate.
  static let sgdLinearDecay = OptimizerSpec(
    kind: .sgd, schedule: .linearDecay,
    metaparameters: [
      .learningRate: .search(.continuous(min: 1e-3, max: 1, scale: .log)),
      .decaySteps: .search(.integer(min: 30000, max: 60000, scale: .linear)),
      .endLearningRateFactor: .fixed(0.01),
    ])

  static func compile(_ workload: Workload) -> ExecutionPlan? {
    PlanCompiler(datasetDigest: digest).compile(workload).0
  }

  static func range(line: Int, column: Int) -> SourceRange {
    SourceRange(
      path: "w.yaml", start: SourcePosition(line: line, column: column, offset: 0),
      end: SourcePosition(line: line, column: column + 2, offset: 2))
  }
}
