import Foundation
import Planning
import StepwiseTestSupport
import Testing

@testable import ResultsStore

/// The `probe_measurements` table: recorded per trial, kind and step; a step measured again
/// replaces its row; an older store gains the table and keeps its data.
@Suite struct ProbeRecordTests {
  @Test func recordsReadBackInOrderAndReplaceTheSameStep() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let study = SyntheticStudy(seed: 4)
    let (store, _) = try makeStore(dir, study)
    let a = study.specs[0].key
    let b = study.specs[1].key
    try store.recordProbe(
      a, ProbeRecord(kind: .noiseScale, step: 100, value: 40, detailJSON: "{}", seconds: 1))
    try store.recordProbe(
      a, ProbeRecord(kind: .noiseScale, step: 0, value: 12.5, detailJSON: "{\"x\":1}", seconds: 2))
    try store.recordProbe(
      a, ProbeRecord(kind: .lipschitz, step: 1000, value: .nan, detailJSON: "{}", seconds: 3))
    try store.recordProbe(
      b, ProbeRecord(kind: .lipschitz, step: 1000, value: 7, detailJSON: "{}", seconds: 4))
    // The resumed run measures step 100 again.
    try store.recordProbe(
      a, ProbeRecord(kind: .noiseScale, step: 100, value: 41, detailJSON: "{}", seconds: 5))
    let all = try store.probeRecords()
    #expect(all.count == 2)
    let ofA = try #require(all[a])
    #expect(ofA.map(\.kind) == [.lipschitz, .noiseScale, .noiseScale])
    #expect(ofA.map(\.step) == [1000, 0, 100])
    #expect(ofA.map(\.value) == [nil, 12.5, 41])
    #expect(ofA[1].detailJSON == "{\"x\":1}" && ofA[2].seconds == 5)
    #expect(all[b]?.first?.value == 7)
    #expect(throws: StoreError.self) {
      try store.recordProbe(
        TrialKey(hex: "nope"),
        ProbeRecord(kind: .lipschitz, step: 1, value: 1, detailJSON: "{}", seconds: 0))
    }
  }

  @Test func aStoreFromBeforeProbesGainsTheTable() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let study = SyntheticStudy(seed: 5)
    let beforeProbes = Migration.all.prefix { $0.name != "probes" }
    let path = try olderStore(in: dir, migrations: beforeProbes) { old in
      _ = try old.register(study.plan, planHash: "h")
      try old.recordEvaluations([(study.specs[0].key, [.at(100, 0.3)])])
      #expect(throws: StoreError.self) {
        try old.recordProbe(
          study.specs[0].key,
          ProbeRecord(kind: .lipschitz, step: 1, value: 1, detailJSON: "{}", seconds: 0))
      }
    }
    let store = try ResultsStore(path: path)
    #expect(try store.appliedMigrations().map(\.name).contains("probes"))
    #expect(try store.evaluations(study.specs[0].key).map(\.step) == [100])
    try store.recordProbe(
      study.specs[0].key,
      ProbeRecord(kind: .lipschitz, step: 1, value: 2, detailJSON: "{}", seconds: 0))
    #expect(try store.probeRecords()[study.specs[0].key]?.count == 1)
  }
}
