import Analysis
import Testing
import WorkloadModel

@Suite struct StepsToResultTests {
  @Test func strictComparisonSkipsEquality() {
    let t = Synthetic.trial(0, .reached, steps: [100, 200, 300], errors: [0.5, 0.02, 0.01])
    #expect(Synthetic.steps([t], goal: Synthetic.goal(.atMost, 0.02)).steps == 200)
    #expect(Synthetic.steps([t], goal: Synthetic.goal(.below, 0.02)).steps == 300)
  }

  @Test func minimumOverTrialsWithTiesToLowestIndex() {
    let trials = [
      Synthetic.trial(5, .reached, steps: [100, 200], errors: [0.5, 0.01]),
      Synthetic.trial(2, .reached, steps: [100, 200], errors: [0.5, 0.01]),
      Synthetic.trial(1, .reached, steps: [100, 200, 300], errors: [0.5, 0.3, 0.01]),
    ]
    let result = Synthetic.steps(trials, goal: Synthetic.goal(.atMost, 0.02))
    #expect(result.steps == 200)
    #expect(result.bestTrialPosition == 1)
    #expect(result.exactness == .exact)
  }

  @Test func noReachedTrialHasNoPoint() {
    let trials = [
      Synthetic.trial(0, .notReached, steps: [100, 200], errors: [0.5, 0.4]),
      Synthetic.trial(1, .diverged, steps: [100], errors: [.nan]),
    ]
    let result = Synthetic.steps(trials, goal: Synthetic.goal(.atMost, 0.02))
    #expect(result.steps == nil)
    #expect(result.bestTrialPosition == nil)
    #expect(result.exactness == .exact)
  }

  @Test func looserGoalIsExactDespiteDominatedTrials() {
    // Stored goal 0.02: trial 0 reached at 300; trial 1 was dominated at 300.
    let trials = [
      Synthetic.trial(0, .reached, steps: [100, 200, 300], errors: [0.2, 0.04, 0.02]),
      Synthetic.trial(1, .dominated, steps: [100, 200, 300], errors: [0.3, 0.2, 0.1]),
    ]
    let result = Synthetic.steps(trials, goal: Synthetic.goal(.atMost, 0.05))
    #expect(result.steps == 200)
    #expect(result.exactness == .exact)
  }

  @Test func tighterGoalIsAnUpperBoundWhenATrialStoppedEarlier() {
    // Stored goal 0.05. Trial 0 stopped on reaching it at 200; trial 1 ran on and met 0.01 at 400.
    let trials = [
      Synthetic.trial(0, .reached, steps: [100, 200], errors: [0.2, 0.04]),
      Synthetic.trial(1, .notReached, steps: [100, 200, 300, 400], errors: [0.3, 0.2, 0.1, 0.01]),
    ]
    let result = Synthetic.steps(trials, goal: Synthetic.goal(.atMost, 0.01))
    #expect(result.steps == 400)
    #expect(result.exactness == .upperBound)
    #expect(result.lowerBoundExclusive == 200)
    let crossing = TrialCrossing(trial: trials[0], goal: Synthetic.goal(.atMost, 0.01))
    #expect(crossing.outcome == .stoppedAtStoredGoal)
  }

  @Test func truncatedTrialAfterTheAnswerKeepsItExact() {
    let trials = [
      Synthetic.trial(0, .reached, steps: [100, 200], errors: [0.2, 0.01]),
      Synthetic.trial(1, .interrupted, steps: [100, 200, 300], errors: [0.3, 0.2, 0.1]),
    ]
    #expect(Synthetic.steps(trials, goal: Synthetic.goal(.atMost, 0.02)).exactness == .exact)
  }

  @Test func noPointYetWhenOnlyTruncatedTrialsRemain() {
    let trials = [
      Synthetic.trial(0, .planned, steps: [], errors: []),
      Synthetic.trial(1, .notReached, steps: [100, 200], errors: [0.3, 0.2]),
    ]
    let result = Synthetic.steps(trials, goal: Synthetic.goal(.atMost, 0.02))
    #expect(result.steps == nil)
    #expect(result.exactness == .unknown)
    #expect(result.lowerBoundExclusive == 0)
  }

  @Test func effectiveLearningRate() {
    let heavy = Synthetic.trial(0, .reached, steps: [], errors: [], lr: 0.01, momentum: 0.9)
    let plain = Synthetic.trial(1, .reached, steps: [], errors: [], lr: 0.01)
    #expect(abs((heavy.effectiveLearningRate ?? 0) - 0.1) < 1e-12)
    #expect(plain.effectiveLearningRate == 0.01)
  }
}
