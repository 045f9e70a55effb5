import Foundation
import Planning
import Testing
import WorkloadModel

@testable import Training

/// Issue 12 on real MNIST: the trainer tests the goal on counts, exactly; an evaluation that
/// exits early changes no decision and stores a true lower bound; 2 workers exit like 1; the
/// evaluation cadence is the one asked for.
@Suite(.serialized, .enabled(if: TrialFixtures.hasMNIST)) struct EarlyExitTests {
  static func run(_ spec: TrialSpec, workers: Int = 1) -> (TrialReport, [EvaluationEvent]) {
    let recorder = Recorder()
    let report = TrialRunner(
      configuration: TrainerConfiguration(workers: workers, checkpointEverySteps: 0)
    )
    .run(spec, monitor: recorder.monitor())
    return (report, recorder.events)
  }

  /// Over trials that reach the goal and trials that do not: the same end (steps-to-result
  /// included) and the same evaluated steps and training losses with and without early exit;
  /// every point cut short is a true lower bound of the full evaluation (fewer or as many wrong
  /// answers, a lower error and loss) at a step where the full evaluation misses the goal.
  @Test func earlyExitChangesNoDecisionAndStoresTrueBounds() throws {
    let goal = Goal(comparison: .atMost, threshold: 0.1)
    var bounds = 0
    var ends: [TrialEnd] = []
    for rate in [0.01, 0.1, 0.2] {
      func spec(_ exit: Bool) -> TrialSpec {
        TrialFixtures.spec(
          metaparameters: [.learningRate: rate], maxSteps: 100, evaluateEvery: 10, goal: goal,
          holdout: 3000, exitEarly: exit)
      }
      let (full, fullEvents) = Self.run(spec(false))
      let (fast, fastEvents) = Self.run(spec(true))
      ends.append(full.end)
      #expect(fast.end == full.end)
      #expect(fastEvents.map(\.step) == fullEvents.map(\.step))
      #expect(fastEvents.map(\.trainingLoss) == fullEvents.map(\.trainingLoss))
      for (f, e) in zip(fullEvents, fastEvents) {
        let fc = try #require(f.counts)
        let ec = try #require(e.counts)
        #expect(fc.isComplete && fc.total == 3000)
        if ec.isComplete {
          #expect(ec == fc)
          #expect(e.validationError == f.validationError)
        } else {
          bounds += 1
          #expect(ec.seen % EarlyExitTests.chunk == 0 && ec.seen < fc.total)
          #expect(ec.wrong <= fc.wrong)
          #expect(e.validationError <= f.validationError)
          #expect(e.validationLoss <= f.validationLoss)
          #expect(ec.wrong > goal.allowedWrong(outOf: ec.total))
          #expect(!goal.isMet(f.validationError, counts: fc))
        }
      }
    }
    #expect(bounds > 0)
    #expect(ends.contains { if case .reached = $0 { true } else { false } })
  }

  static var chunk: Int { RankLoop.evaluationChunk }

  /// 2 workers split every chunk and all-reduce its counts: the same points, bounds included.
  @Test func twoWorkersExitLikeOne() throws {
    let spec = TrialFixtures.spec(
      batchSize: 32, metaparameters: [.learningRate: 0.1], maxSteps: 60, evaluateEvery: 10,
      goal: Goal(comparison: .atMost, threshold: 0.05), holdout: 3000, exitEarly: true)
    let (one, oneEvents) = Self.run(spec, workers: 1)
    let (two, twoEvents) = Self.run(spec, workers: 2)
    #expect(one.end == two.end)
    #expect(oneEvents.map(\.counts) == twoEvents.map(\.counts))
    #expect(oneEvents.contains { $0.counts?.isComplete == false })
  }

  /// The trainer's goal test is exact on counts: with a threshold of exactly w / N for a count
  /// w the curve attains, `at_most` is met at the first point with w or fewer wrong answers, and
  /// `below` only at a point with fewer.
  @Test func theTrainerTestsTheGoalOnCounts() throws {
    let holdout = 5000  // w / 5000 = 0.0002 * w: every count is a short decimal
    let (_, events) = Self.run(
      TrialFixtures.spec(
        metaparameters: [.learningRate: 0.05], maxSteps: 60, evaluateEvery: 5,
        holdout: holdout))
    let counts = try events.map { try #require($0.counts) }
    // A point that sets a new minimum, so the goal at exactly its count is first met there.
    let j = try #require(
      counts.indices.dropFirst().first { i in counts[..<i].allSatisfy { $0.wrong > counts[i].wrong }
      })
    let w = counts[j].wrong
    let text = String(format: "%.4f", Double(2 * w) / 10_000)
    let threshold = try #require(Double(text))
    for comparison in [GoalComparison.atMost, .below] {
      let goal = Goal(comparison: comparison, threshold: threshold)
      let expected = events.indices.first {
        comparison == .atMost ? counts[$0].wrong <= w : counts[$0].wrong < w
      }
      let (report, _) = Self.run(
        TrialFixtures.spec(
          metaparameters: [.learningRate: 0.05], maxSteps: 60, evaluateEvery: 5, goal: goal,
          holdout: holdout, exitEarly: true))
      if let expected {
        #expect(report.end == .reached(step: events[expected].step), "\(comparison) \(text)")
      } else {
        #expect(report.end == .budgetSpent(step: 60))
      }
    }
    #expect(events.indices.first { counts[$0].wrong <= w } == j)
  }

  /// Per-batch-size and geometric cadences evaluate at their steps (and at the budget).
  @Test func cadencesEvaluateAtTheirSteps() {
    let geometric = TrialFixtures.spec(
      maxSteps: 40, evaluateEvery: 4, holdout: 500, evaluationGrowth: 1.5)
    #expect(Self.run(geometric).1.map(\.step) == [4, 6, 9, 14, 21, 32, 40])
    let policy = EvaluationPolicy(everySteps: 100, overrides: [32: 15])
    let byBatch = TrialFixtures.spec(
      batchSize: 32, maxSteps: 40, evaluateEvery: policy.cadence(batchSize: 32).firstStep,
      holdout: 500)
    #expect(Self.run(byBatch).1.map(\.step) == [15, 30, 40])
  }
}
