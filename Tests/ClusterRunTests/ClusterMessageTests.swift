import Planning
import Scheduling
import Testing

@testable import ClusterRun
@testable import Training

/// The wire format: every message decodes to itself, and nothing malformed crashes.
struct ClusterMessageTests {
  static let spec = SyntheticStudy().specs[3]

  static var everyKind: [ClusterMessage] {
    [
      .hello(.init(rank: 3, host: "node-07", pid: 4242, stepwiseVersion: "0.9.0 (abc)")),
      .setup(
        .init(
          workersPerGroup: 2, coordinatorHost: "node-01", coordinatorPid: 17,
          timing: ClusterTiming(heartbeatSeconds: 2, timeoutSeconds: 30))),
      .shutdown(reason: nil),
      .shutdown(reason: "the workload has errors"),
      .start(
        .init(
          trial: 9, spec: spec, checkpointEverySteps: 40, directive: .stop(atStep: 120),
          checkpoint: TrialCheckpoint(step: 80, bytes: [1, 2, 3, 255]),
          mask: [1, 0, 0, 1, 1, 1, 0, 1, 0])),
      .start(
        .init(
          trial: 10, spec: spec, checkpointEverySteps: 1000, directive: .proceed,
          checkpoint: nil, mask: nil)),
      .evaluation(
        trial: 9,
        Evaluation(step: 20, validationError: 0.25, validationLoss: 0.7, trainingLoss: .nan)),
      .directive(trial: 9, answersStep: 20, .stop(atStep: 60)),
      .directive(trial: 9, answersStep: nil, .interrupt),
      .directive(trial: 9, answersStep: 40, .proceed),
      .checkpoint(trial: 9, TrialCheckpoint(step: 40, bytes: Array(repeating: 7, count: 5000))),
      .heartbeat(trial: nil),
      .heartbeat(trial: 12),
      .end(trial: 9, .reached(step: 60)),
      .end(trial: 9, .dominated(step: 80)),
      .end(trial: 9, .failed(message: "the data changed since planning")),
      .end(trial: 9, .notReached),
      .end(trial: 9, .diverged),
      .end(trial: 9, .interrupted),
      .start(
        .init(
          trial: 11, spec: spec, checkpointEverySteps: 40, directive: .proceed, checkpoint: nil,
          mask: nil,
          probes: ProbeSchedule(
            lipschitz: .init(everySteps: 100, gammas: [0.1, 0.5], examples: 2000),
            noiseScale: .init(everySteps: 50, smallBatch: 16, bigBatch: 128, draws: 4)))),
      .probe(trial: 11, .lipschitz(lipschitz(ratios: [3.25, 4.5]))),
      .probe(
        trial: 11,
        .noiseScale(
          NoiseScaleMeasurement(
            step: 50,
            estimate: NoiseScaleEstimate(
              smallBatch: 16, bigBatch: 128, draws: 4, meanSmallSquaredNorm: 2.5,
              meanBigSquaredNorm: 0.75, gradientSquaredNorm: 0.5, gradientSquaredNormError: 0.125,
              traceCovariance: 32, traceCovarianceError: 4),
            seconds: 1.5))),
    ]
  }

  static func lipschitz(ratios: [Double]) -> LipschitzMeasurement {
    LipschitzMeasurement(
      step: 100, perGamma: ratios, gammas: [0.1, 0.5], gradientNorm: 0.25, stepNorm: 0.0625,
      examples: 2000, seconds: 2.5)
  }

  /// A zero step's NaN ratios reach rank 0 as NaN (and the store keeps them as "nan").
  @Test func aProbeWithNaNRatiosTravels() throws {
    let message = ClusterMessage.probe(trial: 4, .lipschitz(Self.lipschitz(ratios: [.nan, .nan])))
    guard
      case .probe(4, .lipschitz(let m)) = try ClusterMessage(decoding: try message.encoded())
    else {
      Issue.record("not the probe")
      return
    }
    #expect(m.perGamma.count == 2 && m.perGamma.allSatisfy(\.isNaN) && m.estimate.isNaN)
    #expect(m.examples == 2000 && m.step == 100 && m.seconds == 2.5)
  }

  @Test func everyMessageRoundTrips() throws {
    for message in Self.everyKind {
      let decoded = try ClusterMessage(decoding: try message.encoded())
      if case .evaluation(_, let e) = decoded {
        // NaN != NaN: compare the bits.
        #expect(e.trainingLoss.isNaN)
        #expect(e.step == 20 && e.validationError == 0.25)
      } else {
        #expect(decoded == message)
      }
    }
  }

  @Test func theSpecSurvivesExactly() throws {
    for spec in SyntheticStudy(seed: 3).specs {
      let message = ClusterMessage.start(
        .init(
          trial: 1, spec: spec, checkpointEverySteps: 1, directive: .proceed, checkpoint: nil,
          mask: nil))
      guard case .start(let start) = try ClusterMessage(decoding: try message.encoded()) else {
        Issue.record("not a start")
        continue
      }
      #expect(start.spec == spec)
      #expect(start.spec.metaparameters == spec.metaparameters)
    }
  }

  @Test func aMaskTravelsAsOneBitPerParameter() throws {
    let mask = (0..<62_346).map { Float(($0 * 7919) % 3 == 0 ? 1 : 0) }
    let message = ClusterMessage.start(
      .init(
        trial: 1, spec: Self.spec, checkpointEverySteps: 1, directive: .proceed, checkpoint: nil,
        mask: mask))
    let bytes = try message.encoded()
    #expect(bytes.count < 62_346 / 8 + 4096)
    guard case .start(let start) = try ClusterMessage(decoding: bytes) else {
      Issue.record("not a start")
      return
    }
    #expect(start.mask == mask)
  }

  @Test func aMaskThatIsNotZeroOrOneIsRefused() {
    let message = ClusterMessage.start(
      .init(
        trial: 1, spec: Self.spec, checkpointEverySteps: 1, directive: .proceed, checkpoint: nil,
        mask: [1, 0.5]))
    #expect(throws: ClusterError.self) { try message.encoded() }
  }

  @Test func everyTruncationAndAnotherVersionAreErrorsNotCrashes() throws {
    for message in Self.everyKind {
      let bytes = try message.encoded()
      for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
        #expect(throws: ClusterError.self) { try ClusterMessage(decoding: Array(bytes[..<length])) }
      }
      #expect(throws: ClusterError.self) { try ClusterMessage(decoding: bytes + [0]) }
      var other = bytes
      other[2] = ClusterMessage.protocolVersion &+ 1
      #expect(throws: ClusterError.self) { try ClusterMessage(decoding: other) }
      var kind = bytes
      kind[3] = 200
      #expect(throws: ClusterError.self) { try ClusterMessage(decoding: kind) }
    }
  }

  @Test func groupsFollowRankZero() throws {
    let groups = try TrainingGroup.groups(worldSize: 7, workers: 2)
    #expect(groups.map(\.ranks) == [[1, 2], [3, 4], [5, 6]])
    #expect(groups.map(\.leader) == [1, 3, 5])
    #expect(TrainingGroup.group(of: 4, workers: 2) == 1)
    #expect(TrainingGroup.group(of: 0, workers: 2) == nil)
    #expect(throws: ClusterError.badGroupSize(ranks: 4, workers: 2)) {
      try TrainingGroup.groups(worldSize: 4, workers: 2)
    }
    #expect(throws: ClusterError.self) { try TrainingGroup.groups(worldSize: 1, workers: 1) }
    #expect("\(ClusterError.badGroupSize(ranks: 4, workers: 2))".contains("mpirun -np 3"))
  }

  @Test func theTimeoutComesFromTheEnvironment() {
    #expect(ClusterTiming.fromEnvironment([:]) == ClusterTiming())
    let short = ClusterTiming.fromEnvironment(["STEPWISE_MPI_TIMEOUT": "4"])
    #expect(short.timeoutSeconds == 4 && short.heartbeatSeconds == 0.8)
    #expect(ClusterTiming.fromEnvironment(["STEPWISE_MPI_TIMEOUT": "-1"]) == ClusterTiming())
    #expect(ClusterTiming.fromEnvironment(["STEPWISE_MPI_TIMEOUT": "soon"]) == ClusterTiming())
  }
}
