import WorkloadModel

/// What a plan costs, as data: the numbers `stepwise plan` prints first, then one row per cell.
///
/// Every figure is an upper bound: each trial is assumed to run its whole step budget, while real
/// trials stop at the goal. Compute counts training (6 x forward multiply-adds per example),
/// every full-validation evaluation (2 x per example, every `evaluation.every_steps` steps) and
/// the pruning masks: SNIP scores each example with one forward and backward pass (a training
/// example's cost); GraSP needs a gradient and a Hessian-vector product, counted as three such
/// passes (forward-over-reverse costs about twice a gradient); random and magnitude masks read no
/// data and count as free. The masks of one init seed share one scoring pass, whatever the
/// number of sparsities.
public struct PlanSummary: Hashable, Sendable, Codable {
  /// Sustained FLOP/s assumed when none is given: 20 GFLOP/s, science.md section 8's estimate for
  /// the Simple-CNN on the project's 2-core machine (peak sgemm is higher; small convs are not).
  public static let defaultThroughput = 20e9

  public struct Row: Hashable, Sendable, Codable {
    public var cell: CellID
    public var optimizer: OptimizerKind
    public var trials: Int
    public var maxSteps: Int
    /// Examples trained if every trial runs its budget (budget x batch size x trials).
    public var trainingExamples: Int
    /// Trials a results store already holds finished (0 without a store).
    public var done: Int
  }

  public var cells: Int
  public var trials: Int
  public var pruningNodes: Int
  /// Training examples each mask scores (0 for methods that read no data).
  public var pruningExamplesPerMask: Int
  /// Scoring passes: masks of one init seed share their scores across sparsities, so this is
  /// the number of init seeds with a mask.
  public var pruningScoringPasses: Int
  /// FLOP of computing every mask (included in `totalFLOP`).
  public var pruningFLOP: Double
  /// FLOP of the workload's probes (included in `totalFLOP`; 0 without probes): see
  /// `ProbeCost`.
  public var probeFLOP: Double
  public var largestStepBudget: Int
  /// Sum over trials of step budget x batch size.
  public var trainingExamples: Int
  /// Sum over trials of evaluations x validation examples.
  public var evaluationExamples: Int
  public var forwardMultiplyAdds: Int
  public var totalFLOP: Double
  /// FLOP per second the time estimate assumes.
  public var throughput: Double
  public var estimatedHours: Double
  public var done: Int
  public var pending: Int { trials - done }
  public var rows: [Row]

  public init(
    _ plan: ExecutionPlan, throughput: Double = PlanSummary.defaultThroughput,
    stored: [TrialKey: StoredTrial] = [:]
  ) {
    let workload = plan.workload
    let dataset = workload.dataset
    let macs = ModelCost.forwardMultiplyAdds(workload.model, dataset: dataset.name)
    var rows: [Row] = []
    var training = 0
    var evaluation = 0
    var largest = 0
    var done = 0
    var probeExamples = 0.0
    for trial in plan.trials {
      probeExamples += ProbeCost.examples(workload.probes, trial: trial, dataset: dataset)
      let examples = trial.maxSteps * trial.batchSize
      training += examples
      evaluation +=
        trial.evaluationCadence.count(through: trial.maxSteps) * dataset.validation.holdout
      largest = max(largest, trial.maxSteps)
      let finished = stored[trial.key]?.finished == true
      if finished { done += 1 }
      if rows.last?.cell == trial.cell {
        rows[rows.count - 1].trials += 1
        rows[rows.count - 1].trainingExamples += examples
        if finished { rows[rows.count - 1].done += 1 }
      } else {
        rows.append(
          Row(
            cell: trial.cell, optimizer: trial.optimizer, trials: 1, maxSteps: trial.maxSteps,
            trainingExamples: examples, done: finished ? 1 : 0))
      }
    }
    let scored: Int
    switch workload.study.pruning.examples {
    case .all: scored = dataset.trainingExamples
    case .count(let n): scored = min(n, dataset.trainingExamples)
    case .perClass(let n): scored = n * dataset.name.classCount
    }
    let passesPerExample: Double
    switch workload.study.pruning.method {
    case .snip: passesPerExample = 1
    case .grasp: passesPerExample = 3
    case .random, .magnitude, .none: passesPerExample = 0
    }
    self.cells = rows.count
    self.trials = plan.trials.count
    self.pruningNodes = plan.pruningNodes.count
    self.pruningExamplesPerMask = passesPerExample > 0 ? scored : 0
    self.pruningScoringPasses = Set(plan.pruningNodes.map(\.initSeed)).count
    self.largestStepBudget = largest
    self.trainingExamples = training
    self.evaluationExamples = evaluation
    self.forwardMultiplyAdds = macs
    let m = Double(macs)
    self.pruningFLOP =
      passesPerExample * 6 * m * Double(scored) * Double(pruningScoringPasses)
    self.probeFLOP = 6 * m * probeExamples
    self.totalFLOP =
      6 * m * Double(training) + 2 * m * Double(evaluation) + pruningFLOP + probeFLOP
    self.throughput = throughput
    self.estimatedHours = totalFLOP / throughput / 3600
    self.done = done
    self.rows = rows
  }
}
