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
  /// With `errors`, standard error is captured too (after standard output).
  static func launch(_ path: String, _ arguments: [String], errors: Bool = false) throws
    -> (Int32, String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = errors ? pipe : FileHandle.nullDevice
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
    var finished: Set<TrialKey> = []
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
      if table.states[i].isFinished { snapshot.finished.insert(table.keys[i]) }
      var curve: [Int32: Double] = [:]
      for j in table.curveRange(i) { curve[table.steps[j]] = table.validationError[j] }
      snapshot.curves[table.keys[i]] = curve
    }
    snapshot.conflicts = try store.conflicts().count
    return snapshot
  }

  /// Same steps-to-result per cell, and every curve equal wherever both runs evaluated.
  /// The tiny study run by one process (2 jobs) into a fresh store: what every multi-rank run
  /// must give.
  static func oneProcessSnapshot(_ binary: String) throws -> Snapshot {
    let single = RunCommandTests.temporaryStore()
    let (code, text) = try launch(
      binary, ["run", "--quiet", "--jobs", "2", "--store", single, RunCommandTests.tiny])
    #expect(code == 0, "\(text)")
    return try snapshot(single)
  }

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

  /// The same with probes: a kill during a probe loses only that probe, and the resumed run
  /// stores the values the uninterrupted one stored.
  @Test(.enabled(if: RunProcessTests.canRun && RunProcessTests.which("python3") != nil))
  func killNineDuringProbesThenResumeStoresTheSameProbes() throws {
    let binary = try #require(Self.binary)
    let (status, output) = try Self.launch(
      "/bin/bash",
      [
        Self.repository.appendingPathComponent("scripts/crash-resume.sh").path, "-n",
        Self.slow ? "20" : "3", "-s", "11", "-b", binary, ProbeRunTests.tinyProbes,
      ])
    #expect(status == 0, "\(output)")
    #expect(output.contains("equal:") && !output.contains(" 0 probes compared"), "\(output)")
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

  static var canRunMPI: Bool { canRun && which("mpirun") != nil }

  /// `mpirun` as the tests run it: as root, more ranks than cores.
  static func mpirunArguments(_ ranks: Int, _ extra: [String] = []) throws -> [String] {
    ["--allow-run-as-root", "--oversubscribe"] + extra + ["-np", "\(ranks)", try #require(binary)]
  }

  @Test(.enabled(if: RunProcessTests.canRunMPI))
  func threeRanksUnderMpirunGiveTheSameResultsAsOneProcess() throws {
    let binary = try #require(Self.binary)
    let single = try Self.oneProcessSnapshot(binary)
    let ranks = RunCommandTests.temporaryStore()
    let mpirun = try #require(Self.which("mpirun"))
    let (status, output) = try Self.launch(
      mpirun,
      try Self.mpirunArguments(3) + ["run", "--quiet", "--store", ranks, RunCommandTests.tiny])
    #expect(status == 0, "\(output)")
    // One run finishes the study: rank 0 hands every trial to rank 1 or 2 and waits for them.
    #expect(output.contains("mpirun: rank 0 served"), "\(output)")
    #expect(!output.contains("lost ranks"), "\(output)")
    Self.expectSameResults(single, try Self.snapshot(ranks))
  }

  /// Two ranks all-reducing each step equal two in-process workers bit for bit (a sum of two
  /// numbers does not depend on their order), and reach the same steps-to-result as one worker.
  @Test(.enabled(if: RunProcessTests.canRunMPI))
  func aGroupOfTwoRanksEqualsTwoInProcessWorkers() throws {
    let binary = try #require(Self.binary)
    let threads = RunCommandTests.temporaryStore()
    let (code, text) = try Self.launch(
      binary,
      ["run", "--quiet", "--jobs", "1", "--workers", "2", "--store", threads, RunCommandTests.tiny])
    #expect(code == 0, "\(text)")
    let ranks = RunCommandTests.temporaryStore()
    let (status, output) = try Self.launch(
      try #require(Self.which("mpirun")),
      try Self.mpirunArguments(3)
        + ["run", "--quiet", "--workers", "2", "--store", ranks, RunCommandTests.tiny])
    #expect(status == 0, "\(output)")
    #expect(output.contains("1 job x 2 workers"), "\(output)")
    let mpi = try Self.snapshot(ranks)
    Self.expectSameResults(try Self.snapshot(threads), mpi)
    // And one worker on the same global batches: the same steps-to-result.
    let one = RunCommandTests.temporaryStore()
    let (oneCode, oneText) = try Self.launch(
      binary, ["run", "--quiet", "--jobs", "1", "--store", one, RunCommandTests.tiny])
    #expect(oneCode == 0, "\(oneText)")
    #expect(try Self.snapshot(one).stepsToResult == mpi.stepsToResult)
  }

  @Test(.enabled(if: RunProcessTests.canRunMPI))
  func optionsThatDoNotFitTheRanksAreRefusedClearly() throws {
    let (status, output) = try Self.launch(
      try #require(Self.which("mpirun")),
      try Self.mpirunArguments(3)
        + [
          "run", "--quiet", "--workers", "3", "--store", RunCommandTests.temporaryStore(),
          RunCommandTests.tiny,
        ], errors: true)
    #expect(status != 0)
    #expect(output.contains("cannot form groups of --workers 3"), "\(output)")
    let (jobsStatus, jobsOutput) = try Self.launch(
      try #require(Self.which("mpirun")),
      try Self.mpirunArguments(2)
        + [
          "run", "--quiet", "--jobs", "2", "--store", RunCommandTests.temporaryStore(),
          RunCommandTests.tiny,
        ], errors: true)
    #expect(jobsStatus != 0)
    #expect(jobsOutput.contains("--jobs 2 does not apply under mpirun"), "\(jobsOutput)")
  }

  /// Sends `signal` (SIGKILL, or SIGSTOP for a rank that hangs) to rank 2 while it trains its
  /// first trial, under `mpirun` with `extra` options; returns the exit status, standard output
  /// and standard error.
  static func killRankTwoMidTrial(
    store: String, _ extra: [String], signal: Int32 = SIGKILL, timeout: Int = 20
  ) throws -> (Int32, String, String) {
    let marker = UUID().uuidString
    let killed = LockedText()
    let hit = NetworkHostsTests.Trigger(text: "rank 2: trial") { _ in
      // The rank may say so before /proc shows its environment: look for a few seconds.
      for _ in 0..<50 {
        if let pid = rankProcess(2, marker: marker) {
          kill(pid, signal)
          _ = killed.append("signalled \(pid)")
          return
        }
        usleep(100_000)
      }
    }
    let run = try NetworkHostsTests.bounded(
      try #require(which("mpirun")),
      try mpirunArguments(3, extra) + ["run", "--store", store, RunCommandTests.tiny],
      environment: ["STEPWISE_TEST_MARKER": marker, "STEPWISE_MPI_TIMEOUT": "\(timeout)"],
      seconds: 600, triggers: [hit])
    #expect(!run.timedOut, "\(run.all)")
    #expect(!killed.value.isEmpty, "rank 2 was never seen training: \(run.errors)")
    return (run.status, run.output, run.errors)
  }

  /// The pid of the rank `rank` of the job whose environment carries `marker`.
  static func rankProcess(_ rank: Int, marker: String) -> pid_t? {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = pid_t(entry),
        let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
      else { continue }
      let variables = Set(environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
      if variables.contains("STEPWISE_TEST_MARKER=\(marker)")
        && variables.contains("OMPI_COMM_WORLD_RANK=\(rank)")
      {
        return pid
      }
    }
    return nil
  }

  /// `mpirun --enable-recovery`: the job survives; rank 0 sees rank 2's process gone, and its
  /// trial is retried on rank 1 in the same run, which ends the job with `MPI_Abort` (status 0).
  @Test(.enabled(if: RunProcessTests.canRunMPI))
  func aKilledRankLosesOnlyItsTrialUnderEnableRecovery() throws {
    let binary = try #require(Self.binary)
    let store = RunCommandTests.temporaryStore()
    let (status, output, errors) = try Self.killRankTwoMidTrial(
      store: store, ["--enable-recovery"])
    #expect(status == 0, "\(output)\n\(errors)")
    #expect(output.contains("lost ranks 2"), "\(output)")
    #expect(errors.contains("rank 2: a process died during trial"), "\(errors)")
    #expect(errors.contains("retry"), "\(errors)")
    Self.expectSameResults(try Self.oneProcessSnapshot(binary), try Self.snapshot(store))
  }

  /// A rank that hangs (stopped) is given up after the timeout; its trial is retried on rank 1,
  /// and rank 0 kills it at the end so that the job ends normally. The timeout (8 s) must exceed
  /// the longest gap between two reports of a healthy rank, loading the data for its first trial
  /// included, even when the tests load the machine many times over.
  @Test(.enabled(if: RunProcessTests.canRunMPI))
  func aHungRankIsGivenUpAfterTheTimeout() throws {
    let binary = try #require(Self.binary)
    let store = RunCommandTests.temporaryStore()
    let (status, output, errors) = try Self.killRankTwoMidTrial(
      store: store, ["--enable-recovery"], signal: SIGSTOP, timeout: 8)
    #expect(status == 0, "\(output)\n\(errors)")
    #expect(errors.contains("rank 2: silent for 8 s during trial"), "\(errors)")
    #expect(!errors.contains("rank 1: silent"), "\(errors)")
    #expect(errors.contains("killed the lost ranks 2"), "\(errors)")
    Self.expectSameResults(try Self.oneProcessSnapshot(binary), try Self.snapshot(store))
  }

  /// Plain `mpirun` tears the whole job down when a rank dies; the store keeps every finished
  /// result, and the next `stepwise run` retries the interrupted trials from their checkpoints.
  @Test(.enabled(if: RunProcessTests.canRunMPI))
  func aKilledRankEndsAPlainMpirunJobAndTheNextRunResumes() throws {
    let binary = try #require(Self.binary)
    let store = RunCommandTests.temporaryStore()
    let (status, output, errors) = try Self.killRankTwoMidTrial(store: store, [])
    #expect(status != 0, "\(output)\n\(errors)")
    let torn = try Self.snapshot(store)
    #expect(torn.unfinished > 0)
    let (code, text) = try Self.launch(
      binary, ["run", "--quiet", "--jobs", "2", "--store", store, RunCommandTests.tiny])
    #expect(code == 0, "\(text)")
    let single = try Self.oneProcessSnapshot(binary)
    let resumed = try Self.snapshot(store)
    Self.expectSameResults(single, resumed)
    // Nothing finished before the kill was lost or redone differently.
    for (key, curve) in torn.curves where torn.finished.contains(key) {
      #expect(resumed.curves[key] == curve, "trial \(key.short)")
    }
  }
}

final class LockedText: @unchecked Sendable {
  private let lock = NSLock()
  private var text = ""
  /// Appends and returns everything so far.
  func append(_ more: String) -> String { lock.withLock { text += more; return text } }
  var value: String { lock.withLock { text } }
}

final class LockedResults: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [(Int32, String)?] = []
  func append(_ item: (Int32, String)?) { lock.withLock { items.append(item) } }
  var values: [(Int32, String)?] { lock.withLock { items } }
}
