import Foundation
import Testing

@testable import Planning
@testable import ResultsStore
@testable import Scheduling

/// `stepwise run` as a process: kill -9 and resume, two runs on one store, ranks under mpirun.
/// They need the built `stepwise` binary (STEPWISE_BIN, else .build/debug or .build/release) and
/// the Fashion-MNIST files; each skips cleanly without them.
struct RunProcessTests {
  static let repository = PlanCLIGolden.repository
  static var binary: String? {
    if let path = ProcessInfo.processInfo.environment["STEPWISE_BIN"] { return path }
    for configuration in ["debug", "release"] {
      let path = repository.appendingPathComponent(".build/\(configuration)/stepwise").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }
  static var canRun: Bool { binary != nil && RunCommandTests.hasData }
  static var slow: Bool { ProcessInfo.processInfo.environment["STEPWISE_SLOW_TESTS"] == "1" }
  static func which(_ tool: String) -> String? {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
      let path = dir + "/" + tool
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }

  /// Runs a process to its end; returns its exit status and standard output.
  @discardableResult
  static func launch(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Steps-to-result per cell and every trial's curve, as the store holds them.
  struct Snapshot {
    var stepsToResult: [CellID: Int] = [:]
    var curves: [TrialKey: [Int32: Double]] = [:]
    var unfinished = 0
    var conflicts = 0
  }

  static func snapshot(_ path: String) throws -> Snapshot {
    let store = try ResultsStore(path: path, options: StoreOptions(readOnly: true))
    let study = try #require(try store.studies().first)
    let table = try store.readStudy(study.id)
    var snapshot = Snapshot()
    for i in 0..<table.count {
      if let steps = table.stepsToResult[i], table.states[i] == .reached {
        snapshot.stepsToResult[table.cells[i]] = min(
          snapshot.stepsToResult[table.cells[i]] ?? steps, steps)
      }
      if !table.states[i].isFinished { snapshot.unfinished += 1 }
      var curve: [Int32: Double] = [:]
      for j in table.curveRange(i) { curve[table.steps[j]] = table.validationError[j] }
      snapshot.curves[table.keys[i]] = curve
    }
    snapshot.conflicts = try store.conflicts().count
    return snapshot
  }

  /// Same steps-to-result per cell, and every curve equal wherever both runs evaluated.
  static func expectSameResults(_ a: Snapshot, _ b: Snapshot) {
    #expect(a.stepsToResult == b.stepsToResult)
    #expect(!a.stepsToResult.isEmpty)
    #expect(Set(a.curves.keys) == Set(b.curves.keys))
    var compared = 0
    for (key, curve) in a.curves {
      for (step, error) in curve {
        if let other = b.curves[key]?[step] {
          #expect(other == error, "trial \(key.short) step \(step)")
          compared += 1
        }
      }
    }
    #expect(compared > 0)
    #expect(a.unfinished == 0 && b.unfinished == 0)
    #expect(a.conflicts == 0 && b.conflicts == 0)
  }

  @Test(.enabled(if: RunProcessTests.canRun && RunProcessTests.which("python3") != nil))
  func killNineAtRandomMomentsThenResumeEqualsAnUninterruptedRun() throws {
    let binary = try #require(Self.binary)
    let kills = Self.slow ? 20 : 3
    let (status, output) = try Self.launch(
      "/bin/bash",
      [
        Self.repository.appendingPathComponent("scripts/crash-resume.sh").path, "-n", "\(kills)",
        "-s", "7", "-b", binary, RunCommandTests.tiny,
      ])
    #expect(status == 0, "\(output)")
    #expect(output.contains("equal:"))
  }

  @Test(.enabled(if: RunProcessTests.canRun))
  func twoRunsOnOneStoreShareTheWorkWithoutRunningATrialTwice() throws {
    let binary = try #require(Self.binary)
    let store = RunCommandTests.temporaryStore()
    let arguments = ["run", "--quiet", "--jobs", "1", "--store", store, RunCommandTests.tiny]
    let group = DispatchGroup()
    let results = LockedResults()
    for _ in 0..<2 {
      group.enter()
      Thread {
        let result = try? Self.launch(binary, arguments)
        results.append(result)
        group.leave()
      }.start()
    }
    group.wait()
    let outputs = results.values
    #expect(outputs.count == 2)
    var finishedByRuns = 0
    for output in outputs {
      let (status, text) = try #require(output)
      // Both end cleanly; one may end with trials held by the other (exit 0, said in the text).
      #expect(status == 0, "\(text)")
      let match = try #require(text.firstMatch(of: /this run finished (\d+)/))
      finishedByRuns += Int(match.1) ?? 0
    }
    let snapshot = try Self.snapshot(store)
    #expect(snapshot.conflicts == 0)
    // Every trial was finished by exactly one of the two runs, or is finished by a rerun.
    #expect(finishedByRuns <= snapshot.curves.count)
    try Self.launch(binary, arguments)
    let final = try Self.snapshot(store)
    #expect(final.unfinished == 0)
    #expect(final.conflicts == 0)
  }

  @Test(.enabled(if: RunProcessTests.canRun && RunProcessTests.which("mpirun") != nil))
  func threeRanksUnderMpirunGiveTheSameResultsAsOneProcess() throws {
    let binary = try #require(Self.binary)
    let single = RunCommandTests.temporaryStore()
    let (code, text) = try Self.launch(
      binary, ["run", "--quiet", "--jobs", "2", "--store", single, RunCommandTests.tiny])
    #expect(code == 0, "\(text)")
    let ranks = RunCommandTests.temporaryStore()
    let mpirun = try #require(Self.which("mpirun"))
    let (status, output) = try Self.launch(
      mpirun,
      [
        "--allow-run-as-root", "--oversubscribe", "-np", "3", binary, "run", "--quiet",
        "--store", ranks, RunCommandTests.tiny,
      ])
    #expect(status == 0, "\(output)")
    // A rank can end while another still trains the last trials it holds; a rerun completes.
    try Self.launch(binary, ["run", "--quiet", "--store", ranks, RunCommandTests.tiny])
    Self.expectSameResults(try Self.snapshot(single), try Self.snapshot(ranks))
  }
}

final class LockedResults: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [(Int32, String)?] = []
  func append(_ item: (Int32, String)?) { lock.withLock { items.append(item) } }
  var values: [(Int32, String)?] { lock.withLock { items } }
}
