import Analysis
import Testing
import WorkloadModel

/// Issue 12 in the analysis (and so in `report --goal`, which is `AnalysisOptions`): the goal is
/// tested on counts, exactly, and points stored as bounds are treated honestly.
@Suite struct ExactGoalTests {
  static let n = 6000

  /// A trial whose points carry counts; `seen` below N marks a point that exited early.
  static func counted(
    _ index: Int, _ state: TrialState, steps: [Int], wrong: [Int], seen: [Int]? = nil
  ) -> TrialResult {
    let seen = seen ?? wrong.map { _ in n }
    return TrialResult(
      index: index, key: "k\(index)", state: state, metaparameters: ["learning_rate": 0.01],
      curve: EvaluationCurve(
        steps: steps, validationError: wrong.map { Double($0) / Double(n) },
        validationLoss: wrong.map { Double($0) / Double(n) }, wrong: wrong, examplesSeen: seen,
        examplesTotal: wrong.map { _ in n }))
  }

  static func study(_ trials: [TrialResult], goal: Goal) -> StudyResults {
    StudyResults(
      workload: "w", dataset: "mnist", goal: goal,
      cells: [CellResults(optimizer: .sgd, batchSize: 16, sparsity: 0, trials: trials)])
  }

  static func cell(_ study: StudyResults, _ options: AnalysisOptions) throws -> CellAnalysis {
    try #require(Analyzer.analyze(study, options: options).curves.first?.cells.first)
  }

  @Test func oneHundredTwentyOfSixThousandMeetsAtMostButNotBelow() throws {
    let stored = Goal(comparison: .atMost, threshold: 0.02)
    let trial = Self.counted(0, .reached, steps: [100, 200, 300], wrong: [700, 120, 119])
    let study = Self.study([trial], goal: stored)
    let options = AnalysisOptions(bootstrapResamples: 0)
    #expect(try Self.cell(study, options).stepsToResult.steps == 200)
    // `report --goal 0.02 --goal-comparison '<'`.
    var below = options
    below.goalThreshold = 0.02
    below.goalComparison = .below
    #expect(try Self.cell(study, below).stepsToResult.steps == 300)
    // The same curve without counts is compared on its Double errors, which miss at 200.
    let plain = TrialResult(
      index: 0, key: "k0", state: .reached, metaparameters: [:],
      curve: EvaluationCurve(
        steps: [100, 200, 300], validationError: [700, 120, 119].map { 1 - (6000 - $0) / 6000 },
        validationLoss: [1, 1, 1]))
    #expect(TrialCrossing(trial: plain, goal: stored).firstStep == 300)
    #expect(try Self.cell(study, options).resolutionSteps == 100)
    #expect(try Self.cell(study, options).resolution == 0.5)
  }

  /// The run's goal, and any stricter one, are decided by bounds exactly as by full evaluations;
  /// a looser goal that a bound does not decide makes the cell a bound, and says why.
  @Test func boundsDecideStricterGoalsAndBoundLooserOnes() throws {
    let stored = Goal(comparison: .atMost, threshold: 0.02)  // allows 120
    let reached = Self.counted(0, .reached, steps: [100, 200, 300], wrong: [900, 300, 100])
    // Stopped at the cell's best (300); its evaluations exited early after 1,500 examples.
    let dominated = Self.counted(
      1, .dominated, steps: [100, 200, 300], wrong: [400, 130, 121], seen: [500, 1500, 1500])
    let study = Self.study([reached, dominated], goal: stored)
    let options = AnalysisOptions(bootstrapResamples: 0)
    let atRun = try Self.cell(study, options).stepsToResult
    #expect(atRun.steps == 300 && atRun.exactness == .exact && !atRun.boundByEarlyExit)
    // Looser (<= 0.025 allows 150): the dominated trial's bounds at 200 and 300 (130, 121 wrong
    // of the first 1,500) do not decide it; the one at 100 (400 wrong) does.
    var looser = options
    looser.goalThreshold = 0.025
    let loose = try Self.cell(study, looser).stepsToResult
    #expect(loose.steps == 300)
    #expect(loose.exactness == .upperBound)
    #expect(loose.lowerBoundExclusive == 100)
    #expect(loose.boundByEarlyExit)
    // Looser still (<= 0.1 allows 600): the reached trial meets it at 200, and the bound at 100
    // (400 of 500 seen) stays undecided, so 200 is a bound above 0.
    looser.goalThreshold = 0.1
    let loosest = try Self.cell(study, looser).stepsToResult
    #expect(loosest.steps == 200 && loosest.exactness == .upperBound)
    #expect(loosest.lowerBoundExclusive == 0 && loosest.boundByEarlyExit)
    // The best metric never takes a bound's value.
    #expect(try Self.cell(study, options).bestMetric == 100.0 / 6000)
  }

  /// Property over random curves: replacing every point that misses the run's goal by a bound
  /// (as early exit stores it) leaves the answer to every goal at least as strict as the run's
  /// unchanged, and for looser goals gives either the same answer or a bound that contains the
  /// full-evaluation answer.
  @Test(arguments: 0..<10)
  func boundsNeverChangeAnAnswerTheyDecide(seed: UInt64) throws {
    var state = seed &+ 0x1234_5678
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    for _ in 0..<50 {
      let run = Goal(
        comparison: next(2) == 0 ? .atMost : .below, threshold: 0.01 * Double(1 + next(10)))
      let allowed = run.allowedWrong(outOf: Self.n)
      var full: [TrialResult] = []
      var cut: [TrialResult] = []
      for index in 0..<(1 + next(5)) {
        var wrong: [Int] = []
        var w = 200 + next(1500)
        for _ in 0..<(2 + next(10)) {
          wrong.append(w)
          if w <= allowed { break }
          w = max(0, w - next(250))
        }
        let steps = wrong.indices.map { 50 * ($0 + 1) }
        let meets = wrong.map {
          run.isMet(Double($0) / 6000, counts: .init(wrong: $0, seen: 6000, total: 6000))
        }
        let state: TrialState = meets.last == true ? .reached : .notReached
        full.append(Self.counted(index, state, steps: steps, wrong: wrong))
        let seen = meets.map { $0 ? Self.n : 500 * (1 + next(11)) }
        let bounded = zip(wrong, meets).map { $1 ? $0 : min($0, allowed + 1 + next(20)) }
        cut.append(Self.counted(index, state, steps: steps, wrong: bounded, seen: seen))
      }
      for threshold in stride(from: 0.005, through: 0.12, by: 0.005) {
        for comparison in [GoalComparison.atMost, .below] {
          let goal = Goal(comparison: comparison, threshold: threshold)
          let a = StepsToResult(
            crossings: full.map { TrialCrossing(trial: $0, goal: goal) },
            indices: full.map(\.index))
          let b = StepsToResult(
            crossings: cut.map { TrialCrossing(trial: $0, goal: goal) },
            indices: cut.map(\.index))
          if goal.allowedWrong(outOf: Self.n) <= allowed {
            #expect(a == b, "\(goal) under \(run)")
          } else if b != a {
            #expect(b.boundByEarlyExit)
            #expect(b.exactness != .exact)
            if let truth = a.steps {
              #expect((b.lowerBoundExclusive ?? Int.max) < truth)
              #expect(b.steps.map { $0 >= truth } ?? true)
            }
          }
        }
      }
    }
  }
}
