import Foundation
import Primitives
import Testing
import WorkloadModel

@testable import Planning

struct PlanDocumentTests {
  @Test func roundTripsExactly() throws {
    var workload = SampleWorkloads.mnistNesterov()
    workload.description = "a \"quoted\"\ndescription"
    workload.budget = StepBudget(
      maxSteps: 4000, maxEpochs: 2.5, overrides: [16: 8000, 256: 1000],
      giveUp: [GiveUpRule(step: 500, above: 0.8)])
    workload.optimizers.append(SampleWorkloads.sgdLinearDecay)
    let plan = try #require(SampleWorkloads.compile(workload))
    let bytes = try PlanDocument.encode(plan)
    let read = try PlanDocument.decode(bytes)
    var expected = plan.workload
    expected.dataset.directory = Located("")
    #expect(read.workload == expected)
    #expect(read.pruningNodes == plan.pruningNodes)
    #expect(read.trials.map(\.key) == plan.trials.map(\.key))
    #expect(
      zip(read.trials, plan.trials).allSatisfy { a, b in
        var b = b
        b.dataset.directory = Located("")
        return a == b
      })
    let again = try PlanDocument.encode(read)
    #expect(again.count == bytes.count)
    #expect(again.elementsEqual(bytes))
    let isPlan = PlanDocument.looksLikePlan(bytes)
    #expect(isPlan)
    #expect(!PlanDocument.looksLikePlan(Array("stepwise: 1\nname: x\n".utf8)))
  }

  /// The same workload gives the same bytes, however its dictionaries happen to be ordered.
  @Test func bytesAreStable() throws {
    let a = try PlanDocument.encode(
      try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov())))
    for _ in 0..<3 {
      let b = try PlanDocument.encode(
        try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov())))
      #expect(a.elementsEqual(b))
    }
    let text = String(decoding: a, as: UTF8.self)
    #expect(text.hasPrefix("{\"cells\":[{\"batchSize\":16,"))
    #expect(text.hasSuffix("}\n"))
    #expect(text.contains("\"formatVersion\":2"))
  }

  @Test func rejectsUnknownVersions() throws {
    let plan = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov(trials: 1)))
    let text = String(decoding: try PlanDocument.encode(plan), as: UTF8.self)
    let future = text.replacingOccurrences(of: "\"formatVersion\":2", with: "\"formatVersion\":99")
    #expect(throws: PlanDocumentError.unsupportedFormatVersion(99)) {
      try PlanDocument.decode(Array(future.utf8))
    }
    #expect(
      PlanDocumentError.unsupportedFormatVersion(99).description
        == "plan format version 99 is not supported (this stepwise reads version 2); "
        + "compile the workload again with 'stepwise plan'")
    let keys = text.replacingOccurrences(
      of: "\"keyEncodingVersion\":1", with: "\"keyEncodingVersion\":2")
    #expect(throws: PlanDocumentError.unsupportedKeyEncoding(2)) {
      try PlanDocument.decode(Array(keys.utf8))
    }
  }

  /// A plan saved in format version 1 (the default workload's, as Stepwise wrote it before
  /// version 2) is refused for its version, before any field is read, with the advice to plan
  /// again; planning its workload again gives the same trials, key for key.
  @Test func refusesVersionOneWithAdviceToReplan() throws {
    let root = WorkloadPlanGoldenTests.root
    let old = [UInt8](
      try Data(
        contentsOf: root.appendingPathComponent("Tests/PlanningTests/Fixtures/default.plan.v1.json")))
    #expect(String(decoding: old, as: UTF8.self).contains("\"formatVersion\":1,"))
    do {
      _ = try PlanDocument.decode(old)
      Issue.record("a version 1 plan was read")
    } catch let error as PlanDocumentError {
      #expect(error == .unsupportedFormatVersion(1))
      #expect(
        error.description
          == "plan format version 1 was written by an earlier stepwise and is no longer read "
          + "(this one reads version 2); compile the workload again with 'stepwise plan --out "
          + "FILE': the trials keep their keys, so stored results are reused")
    }
    // Re-planning gives the same trials: the workload it was planned from (the default of
    // then, kept as Fixtures/default.v1.yaml) plans today to the old file's trial keys.
    let workload = try String(
      contentsOf: root.appendingPathComponent("Tests/PlanningTests/Fixtures/default.v1.yaml"),
      encoding: .utf8)
    let plan = try #require(WorkloadPlanGoldenTests.load(text: workload).0.flatMap(WorkloadPlanGoldenTests.plan))
    let keys = Set(plan.trials.map(\.key.hex))
    let oldText = String(decoding: old, as: UTF8.self)
    let oldKeys = oldText.matches(of: /"key":"([0-9a-f]{64})"/).map { String($0.1) }
    #expect(!keys.isEmpty)
    #expect(keys.count == 24)
    #expect(keys.isSubset(of: Set(oldKeys)))
  }

  @Test func rejectsEditedTrials() throws {
    let plan = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov(trials: 1)))
    let text = String(decoding: try PlanDocument.encode(plan), as: UTF8.self)
    #expect(text.contains("\"learning_rate\":0.01"))
    let edited = text.replacingOccurrences(
      of: "\"learning_rate\":0.01", with: "\"learning_rate\":0.02")
    #expect(throws: PlanDocumentError.self) { try PlanDocument.decode(Array(edited.utf8)) }
    #expect(throws: PlanDocumentError.self) { try PlanDocument.decode(Array("{}".utf8)) }
  }

  @Test func canonicalJSONRules() {
    let value = CanonicalJSON.object([
      "b": .double(1e-5), "a": .array([.int(-3), .uint(18_446_744_073_709_551_615), .null]),
      "é": .string("tab\there \"q\" \u{1}"), "Z": .double(30000), "z": .double(-0.0),
      "r": .bool(true),
    ])
    #expect(
      value.text
        == #"{"Z":30000.0,"a":[-3,18446744073709551615,null],"b":1e-05,"r":true,"z":0.0,"#
        + #""é":"tab\there \"q\" \u0001"}"#)
  }
}
