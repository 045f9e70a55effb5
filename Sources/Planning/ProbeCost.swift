import WorkloadModel

/// What a trial's probes cost, in training examples (one forward and backward pass each), as
/// an upper bound like the rest of `PlanSummary`: the trial is assumed to run its whole budget.
/// A Lipschitz probe takes (gammas + 1) gradients over its examples, one every `every_steps`
/// steps; a noise-scale probe takes `draws` x the big batch, at step 0 and every `every_steps`.
public enum ProbeCost {
  public static func examples(_ probes: ProbesSpec?, trial: TrialSpec, dataset: DatasetSpec)
    -> Double
  {
    guard let probes, probes.on.includes(trialIndex: trial.index) else { return 0 }
    var total = 0.0
    if let l = probes.lipschitz {
      let n = min(l.examples ?? dataset.trainingExamples, dataset.trainingExamples)
      total += Double(trial.maxSteps / l.everySteps) * Double(l.gammas.count + 1) * Double(n)
    }
    if let s = probes.noiseScale {
      total += Double(trial.maxSteps / s.everySteps + 1) * Double(s.draws * s.bigBatch)
    }
    return total
  }
}
