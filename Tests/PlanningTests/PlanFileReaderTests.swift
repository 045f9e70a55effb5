import Foundation
import Testing
import WorkloadModel

@testable import Planning

/// `PlanFileReader` (what `PlanDocument.decode` uses for format version 1, which plans saved by
/// earlier versions have) against the `JSONDecoder` reference, and its refusals. Version 2 is in
/// `PlanTableReaderTests`.
struct PlanFileReaderTests {
  static func bytes(trials: Int = 2) throws -> [UInt8] {
    let plan = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov(trials: trials)))
    return try PlanDocument.encodeVersion1(plan)
  }

  static func text(trials: Int = 2) throws -> String {
    String(decoding: try bytes(trials: trials), as: UTF8.self)
  }

  /// Every workload in `workloads/`: the same plan, value for value, as the reference decoder.
  @Test(arguments: WorkloadPlanGoldenTests.workloads)
  func equalsReferenceOnGoldens(name: String) throws {
    let (workload, _) = WorkloadPlanGoldenTests.load(
      text: try WorkloadPlanGoldenTests.text(of: name), path: name)
    let checked = try #require(workload)
    let plan = try #require(WorkloadPlanGoldenTests.plan(checked))
    let bytes = try PlanDocument.encodeVersion1(plan)
    let fast = try PlanDocument.decode(bytes)
    let reference = try PlanDocument.referenceDecode(bytes)
    #expect(fast == reference)
    #expect(fast.trials.count == plan.trials.count)
    #expect(try PlanDocument.encodeVersion1(fast).elementsEqual(bytes))
    // The same plan saved as version 2 reads back equal, trial for trial.
    #expect(try PlanDocument.decode(PlanDocument.encode(plan)) == fast)
  }

  /// The default workload's plan as version 1 wrote it (the committed golden until the format
  /// became version 2): it still reads, the same through both readers, and equals the plan the
  /// version 2 golden holds.
  @Test func equalsReferenceOnCommittedPlan() throws {
    let url = WorkloadPlanGoldenTests.root
      .appendingPathComponent("Tests/PlanningTests/Fixtures/default.plan.v1.json")
    let bytes = [UInt8](try Data(contentsOf: url))
    #expect(String(decoding: bytes, as: UTF8.self).contains("\"formatVersion\":1,"))
    let v1 = try PlanDocument.decode(bytes)
    #expect(v1 == (try PlanDocument.referenceDecode(bytes)))
    let current = WorkloadPlanGoldenTests.root
      .appendingPathComponent("Tests/PlanningTests/Snapshots/default.plan.json")
    let v2 = [UInt8](try Data(contentsOf: current))
    #expect(String(decoding: v2, as: UTF8.self).contains("\"formatVersion\":2,"))
    #expect(try PlanDocument.decode(v2) == v1)
    #expect(try PlanDocument.decodeTable(bytes).keys == PlanDocument.decodeTable(v2).keys)
  }

  /// A plan reformatted by a tool (whitespace, escaped slash) reads the same.
  @Test func acceptsWhitespaceAndEscapes() throws {
    let text = try Self.text()
    // Only between tokens: `,"` and `":` never occur inside this plan's strings.
    let spaced = "\t" + text.replacingOccurrences(of: #",""#, with: ",\n  \"")
      .replacingOccurrences(of: #"":"#, with: "\" : ")
      .replacingOccurrences(of: #""learning_rate":"#, with: #""learning\u005frate":"#)
    let plan = try PlanDocument.decode(Array(spaced.utf8))
    #expect(plan == (try PlanDocument.decode(Array(text.utf8))))
  }

  @Test func rejectsTruncatedFilesAtEveryCut() throws {
    let bytes = try Self.bytes(trials: 1)
    for cut in stride(from: 0, to: bytes.count - 1, by: max(1, bytes.count / 97)) {
      #expect(throws: PlanDocumentError.self) { try PlanDocument.decode(Array(bytes[..<cut])) }
    }
    do {
      _ = try PlanDocument.decode(Array(bytes[..<(bytes.count / 2)]))
      Issue.record("a truncated plan was read")
    } catch let error as PlanDocumentError {
      #expect(error.description.hasPrefix("not a valid plan file: the file ends early at byte"))
    }
  }

  @Test func rejectsMalformedFilesSayingWhere() throws {
    let text = try Self.text()
    func message(_ edited: String) -> String {
      do {
        _ = try PlanDocument.decode(Array(edited.utf8))
        return "read"
      } catch {
        return "\(error)"
      }
    }
    let comma = message(text.replacingOccurrences(of: #","index""#, with: #";"index""#))
    #expect(comma.hasPrefix("not a valid plan file: expected ',' or '}', found ';' at byte "))
    let number = message(text.replacingOccurrences(of: #""index":0"#, with: #""index":"0""#))
    #expect(number.hasPrefix("not a valid plan file: expected a value, found '\"' at byte "))
    let missing = message(text.replacingOccurrences(of: #""dataSeed""#, with: #""dataSeeds""#))
    #expect(missing.hasPrefix("not a valid plan file: a trial lacks"))
    let unknown = message(
      text.replacingOccurrences(of: #""learning_rate""#, with: #""learning_rat""#))
    #expect(unknown.hasPrefix("not a valid plan file: unknown metaparameter 'learning_rat'"))
    let after = message(text + "x")
    #expect(after == "not a valid plan file: text after the plan at byte \(text.utf8.count)")
    #expect(message("[]").hasPrefix("not a valid plan file: expected '{'"))
    #expect(message("{}") == "not a valid plan file: missing 'formatVersion' at the top level")
    let seed = message(
      text.replacingOccurrences(of: #""initSeed":"#, with: #""initSeed":99999999999999999999"#))
    #expect(seed.contains("an integer above 2^64 - 1"))
  }

  @Test func rejectsUnknownVersionsBeforeReadingTrials() throws {
    let text = try Self.text()
    // A future layout (here, trials without "index"): the version is what the user needs to
    // hear about, not the missing field.
    let future = text.replacingOccurrences(of: "\"formatVersion\":1", with: "\"formatVersion\":3")
      .replacingOccurrences(of: #""index":"#, with: #""number":"#)
    #expect(throws: PlanDocumentError.unsupportedFormatVersion(3)) {
      try PlanDocument.decode(Array(future.utf8))
    }
    let keys = text.replacingOccurrences(
      of: "\"keyEncodingVersion\":1", with: "\"keyEncodingVersion\":7")
    #expect(throws: PlanDocumentError.unsupportedKeyEncoding(7)) {
      try PlanDocument.decode(Array(keys.utf8))
    }
  }

  @Test func rejectsEditedKeysAndSeeds() throws {
    let plan = try PlanDocument.decode(try Self.bytes())
    let text = try Self.text()
    let key = try #require(plan.trials.first?.key.hex)
    let edited = text.replacingOccurrences(of: key, with: String(key.reversed()))
    #expect(throws: PlanDocumentError.keyMismatch(String(key.reversed()))) {
      try PlanDocument.decode(Array(edited.utf8))
    }
    let seed = try #require(plan.trials.first?.initSeed)
    let reseeded = text.replacingOccurrences(
      of: "\"initSeed\":\(seed)", with: "\"initSeed\":\(seed &+ 1)")
    #expect(throws: PlanDocumentError.self) { try PlanDocument.decode(Array(reseeded.utf8)) }
  }
}
