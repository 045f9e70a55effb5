import StepwiseDiagnostics
import Testing
import WorkloadLoading
import WorkloadModel

/// Issue 12: the goal is tested on counts of wrong answers, exactly, on the threshold's decimal.
struct GoalCountTests {
  static let workload = """
    stepwise: 1
    name: counts
    dataset: {name: mnist, directory: /nonexistent}
    model: {architecture: simple-cnn}
    optimizer: {kind: sgd, search: {learning_rate: {min: 0.001, max: 1, scale: log}}}
    study: {batch_sizes: [4, 16, 64], sparsities: [0], trials: 2}
    budget: {max_steps: 5000}

    """

  static func load(_ tail: String) -> (Workload?, [Diagnostic]) {
    WorkloadLoader(environment: [:]).load(
      SourceFile(path: "counts.yaml", text: workload + tail))
  }

  @Test func oneHundredTwentyOfSixThousandMeetsAtMostButNotBelow() throws {
    let atMost = try #require(Self.load("goal: {at_most: 0.02}\n").0?.goal)
    let below = try #require(Self.load("goal: {below: 0.02}\n").0?.goal)
    let full = EvaluationCounts(wrong: 120, seen: 6000, total: 6000)
    // The floating-point reading this replaces: 1 - 5880/6000 is 0.0200000000000000178.
    #expect(1 - 5880.0 / 6000.0 > 0.02)
    #expect(atMost.isMet(full.error, counts: full))
    #expect(!below.isMet(full.error, counts: full))
    #expect(atMost.allowedWrong(outOf: 6000) == 120)
    #expect(below.allowedWrong(outOf: 6000) == 119)
    let oneMore = EvaluationCounts(wrong: 121, seen: 6000, total: 6000)
    #expect(!atMost.isMet(oneMore.error, counts: oneMore))
    // A bound never meets a goal, however few wrong answers it saw.
    let bound = EvaluationCounts(wrong: 3, seen: 500, total: 6000)
    #expect(!atMost.isMet(bound.error, counts: bound))
  }

  /// `0.03` as a double is 0.0299999999999999988898; the decimal reading keeps floor(0.03 * 100)
  /// at 3, where the double's exact value would give 2.
  @Test func theDecimalNotTheDouble() {
    let goal = Goal(comparison: .atMost, threshold: 0.03)
    #expect(goal.allowedWrong(outOf: 100) == 3)
    #expect(Goal(comparison: .below, threshold: 0.03).allowedWrong(outOf: 100) == 2)
    #expect(Goal(comparison: .atMost, threshold: 1e-05).allowedWrong(outOf: 100_000) == 1)
    #expect(Goal(comparison: .atMost, threshold: 1).allowedWrong(outOf: 6000) == 6000)
    #expect(Goal(comparison: .below, threshold: 1).allowedWrong(outOf: 6000) == 5999)
    #expect(Goal(comparison: .atMost, threshold: 0).allowedWrong(outOf: 6000) == 0)
    #expect(Goal(comparison: .atMost, threshold: 0.5).allowedWrong(outOf: 0) == 0)
  }

  /// Property: over random split sizes and random decimal thresholds (written as YAML would
  /// write them), `allowedWrong` is the exact rational answer: for `<=` the largest k with
  /// k * 10^s <= p * N, for `<` the largest k with k * 10^s < p * N.
  @Test(arguments: 0..<8)
  func matchesExactRationalArithmetic(seed: UInt64) throws {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    func next(_ bound: UInt64) -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (state >> 33) % bound
    }
    for _ in 0..<2000 {
      let scale = Int(next(7))  // 0 ... 6 decimal places
      var power: UInt64 = 1
      for _ in 0..<scale { power *= 10 }
      let p = next(power + 1)  // threshold p / 10^scale in [0, 1]
      let n = Int(next(200_000))
      var text = String(p)
      if scale > 0 {
        text = String(repeating: "0", count: max(0, scale + 1 - text.count)) + text
        text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
      }
      let threshold = try #require(Double(text))
      let product = p * UInt64(n)  // < 10^6 * 2 * 10^5: no overflow
      let atMost = Int(product / power)
      let below = product == 0 ? -1 : Int((product - 1) / power)
      #expect(Goal(comparison: .atMost, threshold: threshold).allowedWrong(outOf: n) == atMost)
      #expect(Goal(comparison: .below, threshold: threshold).allowedWrong(outOf: n) == below)
      let wrong = Int(next(UInt64(n) + 1))
      let counts = EvaluationCounts(wrong: wrong, seen: n, total: n)
      let goal = Goal(comparison: .atMost, threshold: threshold)
      #expect(goal.isMet(counts.error, counts: counts) == (UInt64(wrong) * power <= product))
      let strict = Goal(comparison: .below, threshold: threshold)
      #expect(strict.isMet(counts.error, counts: counts) == (UInt64(wrong) * power < product))
    }
  }

  @Test func evaluationKeysLoad() throws {
    let (w, diagnostics) = Self.load(
      """
      goal: {at_most: 0.02}
      evaluation: {every_steps: 100, overrides: {4: 400, 64: 25}, exit_early: false}

      """)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.summary))")
    let evaluation = try #require(w?.evaluation)
    #expect(evaluation.cadence(batchSize: 4) == EvaluationCadence(firstStep: 400))
    #expect(evaluation.cadence(batchSize: 16) == EvaluationCadence(firstStep: 100))
    #expect(evaluation.cadence(batchSize: 64) == EvaluationCadence(firstStep: 25))
    #expect(!evaluation.exitEarly)

    let geometric = try #require(
      Self.load("goal: {at_most: 0.02}\nevaluation: {every_steps: 50, growth: 1.1}\n").0)
    #expect(geometric.evaluation.growth == 1.1)
    #expect(geometric.evaluation.exitEarly)
  }

  @Test(
    arguments: [
      ("evaluation: {growth: 1}\n", "workload.out-of-range"),
      ("evaluation: {overrides: {8: 10}}\n", "workload.evaluation.override-not-in-study"),
      (
        "evaluation: {overrides: {4: 10}, growth: 1.2}\n",
        "workload.evaluation.growth-with-overrides"
      ),
      ("evaluation: {exit_early: 1}\n", nil),
    ] as [(String, String?)])
  func badEvaluationKeys(_ text: String, _ id: String?) {
    let (w, diagnostics) = Self.load("goal: {at_most: 0.02}\n" + text)
    #expect(w == nil)
    #expect(!diagnostics.isEmpty)
    if let id { #expect(diagnostics.map(\.id.rawValue).contains(id), "\(diagnostics.map(\.id))") }
  }
}

/// The evaluated steps of the cadences.
struct EvaluationCadenceTests {
  @Test func fixedIntervalIsLeeEtAl() {
    let c = EvaluationCadence.every(100)
    #expect(c.next(after: 0) == 100)
    #expect(c.next(after: 100) == 200)
    #expect(c.next(after: 150) == 200)
    #expect(c.contains(300) && !c.contains(250) && !c.contains(0))
    #expect(c.interval(endingAt: 300) == 100)
    #expect(c.count(through: 1000) == 10)
  }

  @Test func geometricSchedule() {
    let c = EvaluationCadence(firstStep: 10, growth: 1.5)
    var steps: [Int] = []
    var s = 0
    while s < 100 {
      s = c.next(after: s)
      steps.append(s)
    }
    #expect(steps == [10, 15, 23, 35, 53, 80, 120])
    #expect(steps.allSatisfy(c.contains))
    #expect(!c.contains(16) && !c.contains(9))
    #expect(c.interval(endingAt: 53) == 18)
    #expect(c.count(through: 100) == 6)
    // Growth below one step per evaluation still advances by at least one step.
    let slow = EvaluationCadence(firstStep: 1, growth: 1.01)
    #expect(slow.next(after: 1) == 2)
  }
}
