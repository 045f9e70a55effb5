import Foundation
import Planning
import ResultsStore
import Testing

/// Probes under `mpirun`: rank 0 stores what the groups measure, and the values are those of a
/// run in one process (tiny-probes.yaml; skipped without `mpirun`, the binary or the data).
@Suite(.serialized) struct ProbeMPITests {
  /// Every stored probe of both stores: the same trials, kinds and steps, and values within the
  /// tolerances of the trainer's 2-workers = 1-worker probe test (`TrialProbeTests`: 1e-3,
  /// relative, for the Lipschitz ratios, 1e-4 for the noise scale's norms); returns how many
  /// were compared.
  static func expectSameProbes(_ a: String, _ b: String) throws -> Int {
    func read(_ path: String) throws -> [TrialKey: [ProbeRecord]] {
      try ResultsStore(path: path, options: StoreOptions(readOnly: true)).probeRecords()
    }
    let (one, other) = (try read(a), try read(b))
    #expect(Set(one.keys) == Set(other.keys))
    var compared = 0
    for (key, records) in one {
      let theirs = other[key] ?? []
      #expect(records.map(\.kind) == theirs.map(\.kind), "\(key.short)")
      #expect(records.map(\.step) == theirs.map(\.step), "\(key.short)")
      for (x, y) in zip(records, theirs) {
        let (p, q) = (try numbers(x), try numbers(y))
        let tolerance = x.kind == .lipschitz ? 1e-3 : 1e-4
        #expect(p.count == q.count && !p.isEmpty, "\(key.short) \(x.kind) step \(x.step)")
        for (u, v) in zip(p, q) {
          #expect(
            abs(u - v) <= tolerance * max(abs(u), abs(v)),
            "\(key.short) \(x.kind) step \(x.step): \(u) vs \(v)")
        }
        compared += 1
      }
    }
    return compared
  }

  /// The values the existing worker-count tests compare (`TrialProbeTests`): the ratio per
  /// gamma of a Lipschitz probe, the two mean squared norms of a noise-scale probe.
  static func numbers(_ record: ProbeRecord) throws -> [Double] {
    let detail = try #require(
      try JSONSerialization.jsonObject(with: Data(record.detailJSON.utf8)) as? [String: Any])
    switch record.kind {
    case .lipschitz:
      return try #require(detail["perGamma"] as? [Double])
    case .noiseScale:
      let estimate = try #require(detail["estimate"] as? [String: Any])
      return [
        try #require(estimate["meanSmallSquaredNorm"] as? Double),
        try #require(estimate["meanBigSquaredNorm"] as? Double),
      ]
    }
  }

  /// `mpirun -np 2` (one group of one rank) against one process, and a group of two ranks
  /// (`-np 3 --workers 2`, gradients all-reduced over MPI) against two in-process workers.
  @Test(.enabled(if: RunProcessTests.canRunMPI))
  func probesUnderMpirunEqualThoseOfOneProcess() throws {
    let binary = try #require(RunProcessTests.binary)
    let mpirun = try #require(RunProcessTests.which("mpirun"))
    let workload = ProbeRunTests.tinyProbes
    for workers in [1, 2] {
      let single = RunCommandTests.temporaryStore()
      let (code, text) = try RunProcessTests.launch(
        binary,
        ["run", "--quiet", "--jobs", "1", "--workers", "\(workers)", "--store", single, workload])
      #expect(code == 0, "\(text)")
      let ranks = RunCommandTests.temporaryStore()
      let (status, output) = try RunProcessTests.launch(
        mpirun,
        try RunProcessTests.mpirunArguments(1 + workers)
          + ["run", "--quiet", "--workers", "\(workers)", "--store", ranks, workload],
        errors: true)
      #expect(status == 0, "\(output)")
      #expect(output.contains("mpirun: rank 0 served"), "\(output)")
      #expect(!output.contains("not stored"), "\(output)")
      RunProcessTests.expectSameResults(
        try RunProcessTests.snapshot(single), try RunProcessTests.snapshot(ranks))
      let compared = try Self.expectSameProbes(single, ranks)
      // The first trial of each of the 4 cells probes: noise scales and Lipschitz estimates.
      #expect(compared >= 8, "\(compared) probes compared")
    }
  }
}
