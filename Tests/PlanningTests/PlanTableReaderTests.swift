import Foundation
import Testing
import WorkloadModel

@testable import Planning

/// The saved plan's format version 2: `PlanDocumentWriter` against the canonical tree,
/// `TrialKeyWriter` against the documented encoding, `PlanTableReader` round trips and refusals.
struct PlanTableReaderTests {
  static func plan(trials: Int = 2) throws -> ExecutionPlan {
    try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov(trials: trials)))
  }

  static func text(trials: Int = 2) throws -> String {
    String(decoding: try PlanDocument.encode(try plan(trials: trials)), as: UTF8.self)
  }

  static func message(_ text: String) -> String {
    do {
      _ = try PlanDocument.decodeTable(Array(text.utf8))
      return "read"
    } catch {
      return "\(error)"
    }
  }

  /// The streaming writer's bytes are the canonical JSON of the same document.
  @Test(arguments: WorkloadPlanGoldenTests.workloads)
  func writerEqualsCanonicalTree(name: String) throws {
    let (workload, _) = WorkloadPlanGoldenTests.load(
      text: try WorkloadPlanGoldenTests.text(of: name), path: name)
    let checked = try #require(workload)
    let plan = try #require(WorkloadPlanGoldenTests.plan(checked))
    let writer = PlanDocumentWriter(table: PlanTable(plan))
    var tree = try writer.tree().bytes
    tree.append(UInt8(ascii: "\n"))
    let bytes = try writer.bytes()
    #expect(bytes == tree)
    // Read back: the same trials, spelled out, and the same bytes again.
    let read = try PlanDocument.decode(bytes)
    #expect(read.trials.map(\.key) == plan.trials.map(\.key))
    #expect(try PlanDocument.encode(read) == bytes)
    // The table the compiler builds is the table of the plan it expands to.
    let table = try #require(
      PlanCompiler(datasetDigest: WorkloadPlanGoldenTests.digest).compileTable(checked).0)
    #expect(try PlanDocument.encode(table) == bytes)
  }

  /// The per-cell key writer gives exactly the documented encoding's bytes and key.
  @Test func keyWriterEqualsTrialEncoding() throws {
    let plan = try Self.plan(trials: 3)
    let context = TrialIdentity.Context(
      dataset: plan.workload.dataset, datasetDigest: plan.datasetDigest,
      model: plan.workload.model, trainerVersion: plan.trainerVersion)
    var writer = TrialKeyWriter(
      context, evaluationEverySteps: plan.workload.evaluation.everySteps)
    var checked = 0
    for t in plan.trials {
      writer.cell(
        batchSize: t.batchSize, optimizer: t.optimizer, schedule: t.schedule,
        sparsity: t.sparsity)
      let encoding = TrialIdentity.trialEncoding(
        context, optimizer: t.optimizer, schedule: t.schedule, metaparameters: t.metaparameters,
        batchSize: t.batchSize, sparsity: t.sparsity, pruningKey: t.pruning?.key,
        initSeed: t.initSeed, dataSeed: t.dataSeed,
        evaluationEverySteps: t.evaluationEverySteps)
      let bytes = TrialIdentity.metaparameterBytes(t.metaparameters)
      let pruning = t.pruning.flatMap { TrialDigest($0.key) }
      #expect(
        writer.encoding(
          dataSeed: t.dataSeed, initSeed: t.initSeed, metaparameters: bytes, pruning: pruning)
          == encoding.bytes)
      let key = writer.key(
        dataSeed: t.dataSeed, initSeed: t.initSeed, metaparameters: bytes, pruning: pruning)
      #expect(key.key == t.key)
      #expect(key.key == TrialIdentity.key(of: encoding))
      checked += 1
    }
    #expect(checked == plan.trials.count)
    #expect(plan.trials.contains { $0.pruning != nil } && plan.trials.contains { $0.pruning == nil })
    var masks = MaskKeyWriter(
      context, method: TrialIdentity.pruningMethod(plan.workload.study.pruning))
    for node in plan.pruningNodes {
      let encoding = TrialIdentity.pruningEncoding(
        context, method: TrialIdentity.pruningMethod(node.method), sparsity: node.sparsity,
        initSeed: node.initSeed)
      #expect(masks.encoding(sparsity: node.sparsity, initSeed: node.initSeed) == encoding.bytes)
      #expect(masks.key(sparsity: node.sparsity, initSeed: node.initSeed).key == node.key)
    }
    #expect(!plan.pruningNodes.isEmpty)
    for value: UInt64 in [0, 7, 10, 99, 1_000_000, .max] {
      var out: [UInt8] = []
      TrialKeyWriter.appendDecimal(value, to: &out)
      #expect(String(decoding: out, as: UTF8.self) == String(value))
    }
  }

  @Test func digestsRoundTripThroughHex() throws {
    let plan = try Self.plan()
    for t in plan.trials {
      let digest = try #require(TrialDigest(t.key))
      #expect(digest.hex == t.key.hex)
      #expect(digest.short == t.key.short)
    }
    let sorted = plan.trials.map(\.key).sorted()
    #expect(sorted.compactMap { TrialDigest($0) }.sorted().map(\.key) == sorted)
    #expect(TrialDigest(hex: Array("ABCD".utf8)) == nil)
    #expect(TrialDigest(hex: Array(String(repeating: "A", count: 64).utf8)) == nil)
  }

  /// A table of a plan spells out to the same plan; a plan's table is what the compiler built.
  @Test func tableRoundTrips() throws {
    let plan = try Self.plan(trials: 3)
    let table = PlanTable(plan)
    #expect(table.hasOnlyHexKeys)
    #expect(table.executionPlan() == plan)
    #expect(table.points.count == 3)
    #expect(table.pruningNodes == plan.pruningNodes)
    #expect(table.cells.count == Set(plan.trials.map(\.cell)).count)
    var fake = plan
    fake.trials[0].key = TrialKey(hex: "not-hex")
    #expect(!PlanTable(fake).hasOnlyHexKeys)
    #expect(throws: PlanDocumentError.self) { try PlanDocument.encode(fake) }
  }

  /// Reformatted (whitespace, escapes) and reordered members read the same.
  @Test func acceptsWhitespaceEscapesAndOtherOrders() throws {
    let text = try Self.text()
    let spaced = "\t" + text.replacingOccurrences(of: #",""#, with: ",\n  \"")
      .replacingOccurrences(of: #"":"#, with: "\" : ")
      .replacingOccurrences(of: #""learning_rate":"#, with: #""learning\u005frate":"#)
      .replacingOccurrences(of: #""index" : "#, with: #""ind\u0065x" : "#)
    #expect(spaced.contains(#""ind\u0065x" : "#))
    let plan = try PlanDocument.decode(Array(text.utf8))
    #expect(try PlanDocument.decode(Array(spaced.utf8)) == plan)
    // Trials before the cell's coordinates: read after them.
    let cellOpen = #"{"batchSize":"#
    let cellsEnd = try #require(text.range(of: #"],"datasetDigest":"#)).lowerBound
    var reordered = ""
    var rest = text[..<cellsEnd]
    while let start = rest.range(of: cellOpen) {
      reordered += rest[..<start.lowerBound]
      let trialsStart = try #require(rest[start.lowerBound...].range(of: #","trials":["#))
      let coordinates = rest[start.upperBound..<trialsStart.lowerBound]
      let trialsEnd = try #require(rest[trialsStart.upperBound...].range(of: "]}"))
      let trials = rest[trialsStart.upperBound..<trialsEnd.lowerBound]
      reordered += #"{"trials":["# + trials + #"],"batchSize":"# + coordinates + "}"
      rest = rest[trialsEnd.upperBound...]
    }
    reordered += rest + text[cellsEnd...]
    #expect(reordered != text)
    #expect(try PlanDocument.decode(Array(reordered.utf8)) == plan)
  }

  @Test func rejectsTruncatedFilesAtEveryCut() throws {
    let bytes = Array(try Self.text(trials: 1).utf8)
    for cut in stride(from: 0, to: bytes.count - 1, by: max(1, bytes.count / 97)) {
      #expect(throws: PlanDocumentError.self) {
        try PlanDocument.decodeTable(Array(bytes[..<cut]))
      }
    }
  }

  @Test func rejectsEditedAndMalformedFilesSayingWhat() throws {
    let text = try Self.text()
    let plan = try PlanDocument.decode(Array(text.utf8))
    let key = try #require(plan.trials.first?.key.hex)
    let reversed = String(key.reversed())
    #expect(
      Self.message(text.replacingOccurrences(of: key, with: reversed))
        == PlanDocumentError.keyMismatch(reversed).description)
    // A trial pointed at another point or mask no longer matches its key.
    #expect(
      Self.message(text.replacingOccurrences(of: #""point":0}"#, with: #""point":1}"#))
        .hasPrefix("key "))
    #expect(
      Self.message(text.replacingOccurrences(of: #""mask":0,"#, with: #""mask":1,"#))
        .hasPrefix("key "))
    // An edited seed or value changes every key of its point.
    #expect(
      Self.message(text.replacingOccurrences(of: #""learning_rate":0.01"#, with: #""learning_rate":0.02"#))
        .hasPrefix("key "))
    let point = Self.message(text.replacingOccurrences(of: #""point":1}"#, with: #""point":9}"#))
    #expect(point.hasPrefix("not a valid plan file: trial 1 names point 9, but the plan has 2"))
    let mask = Self.message(text.replacingOccurrences(of: #""mask":1,"#, with: #""mask":70,"#))
    #expect(mask.hasPrefix("not a valid plan file: trial 1 names mask 70, but the plan has 2"))
    let missing = Self.message(text.replacingOccurrences(of: #""point":"#, with: #""points":"#))
    #expect(missing.hasPrefix("not a valid plan file: a trial lacks 'index', 'key', 'mask'"))
    let noPoints = Self.message(text.replacingOccurrences(of: #""points":["#, with: #""pointz":["#))
    #expect(noPoints == "not a valid plan file: missing 'points' at the top level")
    let seed = Self.message(
      text.replacingOccurrences(of: #""initSeed":"#, with: #""initSeed":99999999999999999999"#))
    #expect(seed.contains("an integer above 2^64 - 1"))
    #expect(Self.message(text + "x").hasPrefix("not a valid plan file: text after the plan"))
  }

  @Test func rejectsUnknownVersionsBeforeReadingTrials() throws {
    let text = try Self.text()
    let future = text.replacingOccurrences(of: "\"formatVersion\":2", with: "\"formatVersion\":3")
      .replacingOccurrences(of: #""point":"#, with: #""spot":"#)
    #expect(throws: PlanDocumentError.unsupportedFormatVersion(3)) {
      try PlanDocument.decodeTable(Array(future.utf8))
    }
    let keys = text.replacingOccurrences(
      of: "\"keyEncodingVersion\":1", with: "\"keyEncodingVersion\":7")
    #expect(throws: PlanDocumentError.unsupportedKeyEncoding(7)) {
      try PlanDocument.decodeTable(Array(keys.utf8))
    }
  }
}
