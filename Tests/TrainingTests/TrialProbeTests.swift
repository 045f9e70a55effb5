import Foundation
import Planning
import Testing

@testable import Training

/// Probes inside real MNIST trials: they leave the trajectory alone, agree across worker
/// counts, and a resumed trial measures what the uninterrupted one measured.
@Suite(.serialized, .enabled(if: TrialFixtures.hasMNIST)) struct TrialProbeTests {
  static let probes = ProbeSchedule(
    lipschitz: .init(everySteps: 5, gammas: [0.5, 0.9], examples: 300),
    noiseScale: .init(everySteps: 10, smallBatch: 8, bigBatch: 32, draws: 3))

  /// Records evaluations, checkpoints and probe measurements.
  final class ProbeRecorder: @unchecked Sendable {
    let base = Recorder()
    private let lock = NSLock()
    private var _measurements: [ProbeMeasurement] = []
    var measurements: [ProbeMeasurement] { lock.withLock { _measurements } }

    func monitor(poll: @escaping @Sendable () -> TrialControl = { .proceed }) -> TrialMonitor {
      var m = base.monitor(poll: poll)
      m.probed = { measurement in self.lock.withLock { self._measurements.append(measurement) } }
      return m
    }

    /// The measurements without their timings (which differ between runs).
    var values: [ProbeMeasurement] {
      measurements.map {
        switch $0 {
        case .lipschitz(var l):
          l.seconds = 0
          return .lipschitz(l)
        case .noiseScale(var n):
          n.seconds = 0
          return .noiseScale(n)
        }
      }
    }
  }

  static func run(
    workers: Int = 1, probes: ProbeSchedule = Self.probes, checkpoint: [UInt8]? = nil,
    poll: @escaping @Sendable () -> TrialControl = { .proceed }
  ) -> (TrialReport, ProbeRecorder) {
    var config = TrainerConfiguration(workers: workers, checkpointEverySteps: 20)
    config.probes = probes
    let recorder = ProbeRecorder()
    let report = TrialRunner(configuration: config).run(
      TrialFixtures.spec(maxSteps: 20, evaluateEvery: 10), resumingFrom: checkpoint,
      monitor: recorder.monitor(poll: poll))
    return (report, recorder)
  }

  @Test func probesNeverChangeTheTrajectory() throws {
    let (plain, plainRecord) = Self.run(probes: .none)
    let (probed, probedRecord) = Self.run()
    #expect(plain.end == .budgetSpent(step: 20) && probed.end == plain.end)
    #expect(plainRecord.measurements.isEmpty)
    #expect(
      probedRecord.base.events.map { [$0.validationError, $0.validationLoss, $0.trainingLoss] }
        == plainRecord.base.events.map { [$0.validationError, $0.validationLoss, $0.trainingLoss] })
    // Parameters, momentum, stream position: the checkpoints are the same bytes.
    let a = try #require(plainRecord.base.checkpoints.last)
    let b = try #require(probedRecord.base.checkpoints.last)
    #expect(a.step == 20 && a.bytes == b.bytes)
    // Lipschitz at every 5th step, the noise scale at 0 and every 10th.
    let steps = probedRecord.measurements.map { m -> String in
      switch m {
      case .lipschitz(let l): return "L\(l.step)"
      case .noiseScale(let n): return "B\(n.step)"
      }
    }
    #expect(steps == ["B0", "L5", "L10", "B10", "L15", "L20", "B20"])
    for m in probedRecord.measurements {
      switch m {
      case .lipschitz(let l):
        #expect(l.estimate.isFinite && l.estimate > 0 && l.perGamma.count == 2)
        #expect(l.examples == 300 && l.stepNorm > 0 && l.gradientNorm > 0)
      case .noiseScale(let n):
        #expect(n.estimate.draws == 3 && n.estimate.meanSmallSquaredNorm > 0)
      }
    }
  }

  @Test func twoWorkersEqualOne() {
    let (_, one) = Self.run(workers: 1)
    let (_, two) = Self.run(workers: 2)
    #expect(one.measurements.count == 7 && two.measurements.count == 7)
    func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
      abs(a - b) <= tolerance * max(abs(a), abs(b))
    }
    for (a, b) in zip(one.measurements, two.measurements) {
      switch (a, b) {
      case (.lipschitz(let x), .lipschitz(let y)):
        #expect(x.step == y.step)
        for (p, q) in zip(x.perGamma, y.perGamma) { #expect(close(p, q, 1e-3), "\(p) vs \(q)") }
      case (.noiseScale(let x), .noiseScale(let y)):
        #expect(x.step == y.step)
        #expect(close(x.estimate.meanSmallSquaredNorm, y.estimate.meanSmallSquaredNorm, 1e-4))
        #expect(close(x.estimate.meanBigSquaredNorm, y.estimate.meanBigSquaredNorm, 1e-4))
      default:
        Issue.record("different probes: \(a) vs \(b)")
      }
    }
  }

  /// A kill after step 13 (as good as one during the next probe: nothing after the checkpoint
  /// survives) and a resume from its checkpoint measure at steps 15 and 20 exactly what the
  /// uninterrupted trial measured.
  @Test func resumeRemeasuresTheSameValues() throws {
    let (_, whole) = Self.run()
    let counter = Counter()
    let (cut, first) = Self.run(poll: { counter.next() >= 13 ? .interrupt : .proceed })
    #expect(cut.end == .interrupted(step: 13))
    let saved = try #require(first.base.checkpoints.last)
    #expect(saved.step == 13)
    let (rest, second) = Self.run(checkpoint: saved.bytes)
    #expect(rest.end == .budgetSpent(step: 20))
    #expect(first.values + second.values == whole.values)
    #expect(second.values.map(\.step) == [15, 20, 20])
  }
}
