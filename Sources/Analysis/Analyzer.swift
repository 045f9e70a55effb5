import WorkloadModel

/// What an analysis measures against and how: every knob the report states.
public struct AnalysisOptions: Hashable, Sendable, Codable {
  /// Replaces the stored goal's threshold (`--goal`); nil keeps it.
  public var goalThreshold: Double?
  /// Replaces the stored goal's comparison; nil keeps it.
  public var goalComparison: GoalComparison?
  public var regionRule: RegionRule
  /// Bootstrap resamples per curve; 0 turns the bootstrap off.
  public var bootstrapResamples: Int
  public var seed: UInt64

  public init(
    goalThreshold: Double? = nil, goalComparison: GoalComparison? = nil,
    regionRule: RegionRule = RegionRule(), bootstrapResamples: Int = 200, seed: UInt64 = 0
  ) {
    self.goalThreshold = goalThreshold
    self.goalComparison = goalComparison
    self.regionRule = regionRule
    self.bootstrapResamples = bootstrapResamples
    self.seed = seed
  }

  /// The goal to measure `study` against.
  public func goal(for study: StudyResults) -> Goal {
    var goal = study.goal
    if let threshold = goalThreshold { goal.threshold = threshold }
    if let comparison = goalComparison { goal.comparison = comparison }
    return goal
  }
}

/// Turns results into steps-to-result curves, regions and critical batch sizes.
public enum Analyzer {
  public static func analyze(_ archive: ResultsArchive, options: AnalysisOptions) -> [StudyAnalysis]
  {
    archive.studies.map { analyze($0, options: options) }
  }

  public static func analyze(_ study: StudyResults, options: AnalysisOptions) -> StudyAnalysis {
    let goal = options.goal(for: study)
    var groups: [String: [CellResults]] = [:]
    var order: [String] = []
    for cell in study.cells {
      let id = "\(cell.optimizerName)\u{0}\(cell.sparsity)"
      if groups[id] == nil { order.append(id) }
      groups[id, default: []].append(cell)
    }
    let inputs = order.compactMap { groups[$0] }
    var curves = inputs.parallelMap { cells in
      analyzeCurve(cells, study: study, goal: goal, options: options)
    }.compactMap { $0 }
    curves.sort { ($0.optimizerName, $0.sparsity) < ($1.optimizerName, $1.sparsity) }
    return StudyAnalysis(
      workload: study.workload, dataset: study.dataset, storedGoal: study.goal, goal: goal,
      evaluationEverySteps: study.evaluationEverySteps, curves: curves, masks: study.masks)
  }

  /// One curve: per-cell steps-to-result, regions, the fit and its bootstrap.
  static func analyzeCurve(
    _ input: [CellResults], study: StudyResults, goal: Goal, options: AnalysisOptions
  ) -> CurveAnalysis? {
    guard let first = input.first else { return nil }
    let merged = Dictionary(grouping: input, by: \.batchSize).map { batchSize, cells in
      var cell = cells[0]
      cell.trials = cells.flatMap(\.trials)
      return cell
    }.sorted { $0.batchSize < $1.batchSize }
    var cells = merged.map { cell -> CellAnalysis in
      let crossings = cell.trials.map { TrialCrossing(trial: $0, goal: goal) }
      let result = StepsToResult(crossings: crossings, indices: cell.trials.map(\.index))
      var bestMetric: Double?
      for trial in cell.trials {
        for (i, value) in trial.curve.values(of: goal.metric).enumerated()
        where !value.isNaN && !trial.curve.isBound(i) {
          bestMetric = min(bestMetric ?? value, value)
        }
      }
      return CellAnalysis(
        results: cell, crossings: crossings, stepsToResult: result, bestMetric: bestMetric,
        perfectScalingSteps: nil, region: nil)
    }
    let pointPositions = cells.indices.filter { cells[$0].stepsToResult.steps != nil }
    let points = pointPositions.compactMap { position -> (batchSize: Int, steps: Int)? in
      cells[position].stepsToResult.steps.map { (cells[position].batchSize, $0) }
    }
    let (regions, leaves) = options.regionRule.classify(points)
    for (k, position) in pointPositions.enumerated() { cells[position].region = regions[k] }
    if let anchor = points.first {
      for i in cells.indices {
        cells[i].perfectScalingSteps =
          Double(anchor.steps) * Double(anchor.batchSize) / Double(cells[i].batchSize)
      }
    }
    let fit = ScalingFit.fit(points.map { (Double($0.batchSize), Double($0.steps)) })
    let label = "\(study.workload)\u{0}\(first.optimizerName)\u{0}\(first.sparsity)"
    let interval =
      fit == nil
      ? nil
      : BootstrapInterval.estimate(
        cells: cells.map { ($0.batchSize, $0.crossings.map(\.firstStep)) },
        resamples: options.bootstrapResamples,
        seed: BootstrapInterval.seed(options.seed, label: label))
    return CurveAnalysis(
      optimizer: first.optimizer, optimizerName: first.optimizerName, sparsity: first.sparsity,
      cells: cells, anchorBatchSize: points.first?.batchSize, leavesPerfectScalingAt: leaves,
      fit: fit, interval: interval)
  }
}
