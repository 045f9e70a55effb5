import ClusterRun
import Foundation
import Planning
import ResultsStore
import Training
import WorkloadModel

/// A trial runner that can run the workload's probes: in process, or under mpirun (where the
/// group runs them and rank 0 stores what its leader sends).
protocol ProbingRunner {
  var probes: @Sendable (TrialSpec) -> ProbeSchedule { get set }
  var probed: @Sendable (TrialKey, ProbeMeasurement) -> Void { get set }
}

extension ProbingRunner {
  /// This runner with the workload's probes turned on for the trials they select, their
  /// measurements written to `store` as each ends (a kill during a probe loses only that one).
  func probing(_ probes: ProbesSpec?, into store: ResultsStore) -> Self {
    guard let probes else { return self }
    var runner = self
    runner.probes = ProbeRecording.schedule(probes)
    runner.probed = ProbeRecording.recorder(store)
    return runner
  }
}

extension ScheduledTrialRunner: ProbingRunner {}
extension RemoteTrialRunner: ProbingRunner {}

/// The store's row for a trainer measurement: the headline value, and the whole measurement as
/// JSON with sorted keys (non-finite numbers as strings, so nothing is lost).
enum ProbeRecording {
  /// The probes of each trial: the workload's section for the trials it selects.
  static func schedule(_ probes: ProbesSpec) -> @Sendable (TrialSpec) -> ProbeSchedule {
    { ProbeSchedule(probes, trialIndex: $0.index) }
  }

  /// Writes each measurement to `store` as it arrives; a failure is a warning, not the trial's.
  static func recorder(_ store: ResultsStore) -> @Sendable (TrialKey, ProbeMeasurement) -> Void {
    { key, measurement in
      do {
        try store.recordProbe(key, record(measurement))
      } catch {
        FileHandle.standardError.write(
          Data("warning: probe of trial \(key.short) not stored: \(error)\n".utf8))
      }
    }
  }

  static func record(_ m: ProbeMeasurement) throws -> ProbeRecord {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    switch m {
    case .lipschitz(let l):
      return ProbeRecord(
        kind: .lipschitz, step: l.step, value: l.estimate,
        detailJSON: String(decoding: try encoder.encode(l), as: UTF8.self), seconds: l.seconds)
    case .noiseScale(let n):
      return ProbeRecord(
        kind: .noiseScale, step: n.step, value: n.estimate.noiseScale,
        detailJSON: String(decoding: try encoder.encode(n), as: UTF8.self), seconds: n.seconds)
    }
  }
}
