import Analysis

/// The definitions every report states, so that a reader never has to guess how a number was made.
enum Definitions {
  static func sentences(options: AnalysisOptions) -> [String] {
    let rule = options.regionRule
    return [
      "Steps-to-result of a cell: the first evaluated step at which the validation metric meets the "
        + "goal, minimum over the cell's trials (ties: lowest trial index). A cell where no trial "
        + "meets the goal has no point.",
      "Exact vs bound: a value is exact when no truncated trial (dominated, stopped at a looser "
        + "stored goal, failed or unfinished) stopped before it; otherwise it is an upper bound. A "
        + "goal at least as loose as the stored one is always exact.",
      "Fit: S(B) = S_min (1 + B_noise / B) by least squares on ln S, over the cells with a point; "
        + "B_crit = B_noise = E_min / S_min.",
      "Interval: \(options.bootstrapResamples) bootstrap resamples of the trials within each cell "
        + "(seed \(options.seed)), refitted; 16th–84th percentile of B_crit.",
      "Regions, with P(B) = S(B0)·B0/B anchored at the smallest batch size with a point: perfect "
        + "scaling if S ≤ \(NumberFormat.short(rule.factor))·P; otherwise maximal data parallelism "
        + "if S ≥ (1 − \(NumberFormat.short(rule.plateauGain)))·(min S at smaller B); otherwise "
        + "diminishing returns.",
      "Effective learning rate: η/(1−γ) for momentum and Nesterov, η for SGD.",
    ]
  }
}
