import Scheduling
import Testing

@Suite struct TrialResultTests {
  func reached(_ s: Int) -> TrialResult {
    TrialResult(state: .reached, stepsToResult: s, stepsRun: s, bestMetric: 0.01)
  }
  func stopped(_ state: TrialState, _ run: Int) -> TrialResult {
    TrialResult(state: state, stepsToResult: nil, stepsRun: run, bestMetric: 0.2)
  }

  @Test func consistency() {
    #expect(reached(300).isConsistent(with: reached(300)))
    #expect(!reached(300).isConsistent(with: reached(400)))
    // Dominated at 200 before the goal at 300: explained by early stop.
    #expect(reached(300).isConsistent(with: stopped(.dominated, 200)))
    #expect(stopped(.dominated, 200).isConsistent(with: reached(300)))
    // Ran to 500 without meeting a goal the other run met at 300: not deterministic.
    #expect(!reached(300).isConsistent(with: stopped(.notReached, 500)))
    #expect(!stopped(.dominated, 300).isConsistent(with: reached(300)))
    #expect(stopped(.notReached, 2000).isConsistent(with: stopped(.dominated, 400)))
    #expect(!stopped(.diverged, 300).isConsistent(with: stopped(.notReached, 2000)))
    #expect(stopped(.diverged, 300).isConsistent(with: stopped(.dominated, 200)))
    #expect(!stopped(.failed, 0).isConsistent(with: reached(100)))
  }
}
