import Foundation
import Testing

/// `stepwise run` with its ranks on three hosts that talk only TCP: the network namespaces of
/// scripts/hosts.sh (swnode1..3 on 10.77.16.0/24, Open MPI's daemons started in them by its
/// `rsh` agent, `--mca btl tcp,self`). Rank 0 runs on swnode1, rank 1 on swnode2, rank 2 on
/// swnode3. Each test makes the hosts and removes them (with every process left in them), and
/// bounds every command it runs. They need root (network namespaces), iproute2, `mpirun`, the
/// built `stepwise` and Fashion-MNIST; without them they are skipped, saying so.
@Suite(.serialized) struct NetworkHostsTests {
  static let script = RunProcessTests.repository.appendingPathComponent("scripts/hosts.sh").path
  static let tiny = RunCommandTests.tiny
  /// One rank on each host: rank 0 coordinates on swnode1.
  static let oneRankPerHost = "swnode1:1,swnode2:1,swnode3:1"

  /// Whether this machine can make network namespaces (root, iproute2, unshare), checked once
  /// by making and removing one.
  static let namespacesWork: Bool = {
    guard getuid() == 0, let ip = RunProcessTests.which("ip"),
      RunProcessTests.which("unshare") != nil
    else { return false }
    let probe = "swprobe\(getpid())"
    guard (try? RunProcessTests.launch(ip, ["netns", "add", probe]))?.0 == 0 else { return false }
    _ = try? RunProcessTests.launch(ip, ["netns", "del", probe])
    return true
  }()
  static var canRun: Bool { RunProcessTests.canRunMPI && namespacesWork }

  // MARK: Running commands, bounded

  struct Finished {
    var status: Int32
    var output: String
    var errors: String
    var timedOut: Bool
    var all: String { "status \(status)\(timedOut ? " (timed out)" : "")\n\(output)\n\(errors)" }
  }

  /// Something to do to a running command (given its pid) the first time its standard error
  /// contains `text`.
  struct Trigger: Sendable {
    var text: String
    var action: @Sendable (pid_t) -> Void
  }

  /// Runs `path arguments` for at most `seconds` (then SIGTERM, and SIGKILL 3 s later), firing
  /// each trigger once.
  static func bounded(
    _ path: String, _ arguments: [String], environment: [String: String] = [:],
    seconds: Double, triggers: [Trigger] = []
  ) throws -> Finished {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let output = LockedText()
    let errors = LockedText()
    let fired = LockedText()
    let closed = DispatchGroup()
    let pid = LockedText()
    for (pipe, text) in [(out, output), (err, errors)] {
      closed.enter()
      pipe.fileHandleForReading.readabilityHandler = { handle in
        let data = handle.availableData
        guard !data.isEmpty else {
          handle.readabilityHandler = nil
          closed.leave()
          return
        }
        let all = text.append(String(decoding: data, as: UTF8.self))
        guard text === errors else { return }
        for (i, trigger) in triggers.enumerated()
        where !fired.value.contains("<\(i)>") && all.contains(trigger.text) {
          _ = fired.append("<\(i)>")
          // Off the pipe's thread: an action may wait.
          let target = pid_t(pid.value) ?? 0
          Thread { trigger.action(target) }.start()
        }
      }
    }
    try process.run()
    _ = pid.append("\(process.processIdentifier)")
    let deadline = Date(timeIntervalSinceNow: seconds)
    while process.isRunning && Date() < deadline { usleep(100_000) }
    var timedOut = false
    if process.isRunning {
      timedOut = true
      kill(process.processIdentifier, SIGTERM)
      let grace = Date(timeIntervalSinceNow: 3)
      while process.isRunning && Date() < grace { usleep(100_000) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    // Foundation sees the exit only once every descendant has closed a socket it shares with
    // the child: a daemon left behind holding it would make `waitUntilExit` wait for ever.
    let reaped = Date(timeIntervalSinceNow: 10)
    while process.isRunning && Date() < reaped { usleep(100_000) }
    // Processes cut off from the job may hold the pipes open; do not wait for them for long.
    _ = closed.wait(timeout: .now() + 5)
    return Finished(
      status: process.isRunning ? -1 : process.terminationStatus, output: output.value,
      errors: errors.value, timedOut: timedOut || process.isRunning)
  }

  /// `hosts.sh` with `arguments`; fails the test if it fails.
  @discardableResult
  static func hosts(_ arguments: String...) throws -> String {
    let run = try bounded("/bin/bash", [script] + arguments, seconds: 60)
    #expect(run.status == 0, "hosts.sh \(arguments.joined(separator: " ")): \(run.all)")
    return run.output
  }

  /// Makes the hosts, runs `body`, and removes them (and every process left in them). The hosts
  /// are one set per machine: a lock keeps test runs of other checkouts out meanwhile.
  static func withHosts(_ body: () throws -> Void) throws {
    let lock = open("/run/stepwise-hosts.lock", O_CREAT | O_RDWR, 0o644)
    defer { close(lock) }
    let deadline = Date(timeIntervalSinceNow: 900)
    while flock(lock, LOCK_EX | LOCK_NB) != 0 {
      try #require(Date() < deadline, "another test run held the hosts for 15 minutes")
      usleep(200_000)
    }
    try hosts("up")
    defer { _ = try? hosts("down") }
    try body()
  }

  /// `stepwise run` under `mpirun` started on swnode1, with `ranks` ranks placed by `placement`.
  static func mpirun(
    placement: String = oneRankPerHost, ranks: Int = 3, _ options: [String] = [],
    run: [String], environment: [String: String] = [:], seconds: Double = 300,
    triggers: [Trigger] = []
  ) throws -> Finished {
    let binary = try #require(RunProcessTests.binary)
    let transport = try hosts("mpirun-args").split(separator: "\n").map(String.init)
    return try bounded(
      "/bin/bash",
      [script, "exec", "swnode1", "mpirun", "--allow-run-as-root", "--oversubscribe"]
        + transport + ["--host", placement, "-np", "\(ranks)"] + options
        + [binary, "run"] + run,
      environment: environment, seconds: seconds, triggers: triggers)
  }

  /// The tiny study in one process with `arguments`: the reference.
  static func oneProcess(_ arguments: [String]) throws -> RunProcessTests.Snapshot {
    let store = RunCommandTests.temporaryStore()
    let run = try bounded(
      try #require(RunProcessTests.binary),
      ["run", "--quiet", "--store", store] + arguments + [tiny], seconds: 300)
    #expect(run.status == 0, "\(run.all)")
    return try RunProcessTests.snapshot(store)
  }

  // MARK: Same results across hosts

  /// Groups of one rank on swnode2 and swnode3, talking to rank 0 over TCP: the same
  /// steps-to-result and curves, bit for bit, as one process training two trials at a time.
  @Test(.needsNetworkHosts)
  func threeHostsGiveTheSameResultsAsOneProcess() throws {
    try Self.withHosts {
      let store = RunCommandTests.temporaryStore()
      let run = try Self.mpirun(run: ["--quiet", "--store", store, Self.tiny])
      #expect(run.status == 0 && !run.timedOut, "\(run.all)")
      #expect(run.output.contains("mpirun: rank 0 served"), "\(run.all)")
      #expect(!run.all.contains("lost"), "\(run.all)")
      RunProcessTests.expectSameResults(
        try Self.oneProcess(["--jobs", "2"]), try RunProcessTests.snapshot(store))
    }
  }

  /// One group of two ranks, one on swnode2 and one on swnode3, all-reducing every step over
  /// TCP (Open MPI's own log shows the connection, and no shared memory): the same curves, bit
  /// for bit, as two in-process workers.
  @Test(.needsNetworkHosts)
  func aGroupSpanningTwoHostsEqualsTwoInProcessWorkers() throws {
    try Self.withHosts {
      let store = RunCommandTests.temporaryStore()
      let run = try Self.mpirun(
        ["--mca", "btl_base_verbose", "30"],
        run: ["--quiet", "--workers", "2", "--store", store, Self.tiny])
      #expect(run.status == 0 && !run.timedOut, "\(run.all)")
      #expect(run.output.contains("1 job x 2 workers"), "\(run.all)")
      // The group's all-reduce: rank 1 on swnode2 connects to rank 2 on swnode3 by TCP.
      #expect(
        run.all.contains("[swnode2:") && run.all.contains("now connected to 10.77.16.13"),
        "\(run.all)")
      #expect(run.all.contains("Using tcp btl for send to [[") && !run.all.contains("vader"))
      RunProcessTests.expectSameResults(
        try Self.oneProcess(["--jobs", "1", "--workers", "2"]),
        try RunProcessTests.snapshot(store))
    }
  }
}

// MARK: Faults across the network

extension NetworkHostsTests {
  /// Seconds of silence after which rank 0 gives a group up (STEPWISE_MPI_TIMEOUT).
  static let silence = 15
  /// Open MPI's daemons probe an idle connection after 5 s, every 2 s, 3 times: a host off the
  /// network is noticed by mpirun within about 11 s (docs/cluster.md recommends these).
  static let keepalive = [
    "--mca", "oob_tcp_keepalive_time", "5", "--mca", "oob_tcp_keepalive_intvl", "2",
    "--mca", "oob_tcp_keepalive_probes", "3",
  ]

  enum Fault {
    /// swnode3's cable pulled (its bridge port down): its processes run on, unreachable.
    case cut
    /// SIGKILL to rank 2, on swnode3.
    case kill
  }

  /// Runs the tiny study on the three hosts under `mpirun options`, and does `fault` to swnode3
  /// as soon as rank 2 has started its first trial.
  static func runWithFault(
    _ fault: Fault, _ options: [String], store: String, also: [Trigger] = []
  ) throws -> Finished {
    let marker = UUID().uuidString
    let hit = Trigger(text: "rank 2: trial") { _ in
      switch fault {
      case .cut:
        _ = try? bounded("/bin/bash", [script, "cut", "swnode3"], seconds: 30)
      case .kill:
        // Rank 2 is on another "host" but the same machine: found by its environment.
        if let pid = RunProcessTests.rankProcess(2, marker: marker) { kill(pid, SIGKILL) }
      }
    }
    return try mpirun(
      options + ["-x", "STEPWISE_TEST_MARKER"],
      run: ["--store", store, tiny],
      environment: ["STEPWISE_TEST_MARKER": marker, "STEPWISE_MPI_TIMEOUT": "\(silence)"],
      seconds: 300, triggers: [hit] + also)
  }

  /// The study is complete, with the same results as one process.
  static func expectCompleteAndEqualToOneProcess(_ store: String) throws {
    RunProcessTests.expectSameResults(
      try oneProcess(["--jobs", "2"]), try RunProcessTests.snapshot(store))
  }

  /// After a torn-down job, a plain `stepwise run` on rank 0's host finishes the study; nothing
  /// finished before is lost or redone differently. (On rank 0's host, the store sees at once
  /// that the process holding the trials' leases is gone; elsewhere it waits out the leases.)
  static func expectTheNextRunResumes(_ store: String) throws {
    let torn = try RunProcessTests.snapshot(store)
    #expect(torn.unfinished > 0)
    let rerun = try bounded(
      "/bin/bash",
      [
        script, "exec", "swnode1", try #require(RunProcessTests.binary), "run", "--quiet",
        "--jobs", "2", "--store", store, tiny,
      ], seconds: 300)
    #expect(rerun.status == 0, "\(rerun.all)")
    let resumed = try RunProcessTests.snapshot(store)
    try expectCompleteAndEqualToOneProcess(store)
    for (key, curve) in torn.curves where torn.finished.contains(key) {
      #expect(resumed.curves[key] == curve, "trial \(key.short)")
    }
  }

  /// swnode3 drops off the network during rank 2's first trial. Under `--enable-recovery`,
  /// rank 0 gives the group up after the silence timeout and retries its trial on rank 1; the
  /// study completes with the results of an undisturbed run. mpirun then waits for ever for
  /// swnode3's daemon (Open MPI 4.1), as rank 0 says; Ctrl-C ends it.
  @Test(.needsNetworkHosts)
  func aHostOffTheNetworkIsGivenUpUnderEnableRecovery() throws {
    try Self.withHosts {
      let store = RunCommandTests.temporaryStore()
      let interrupt = Trigger(text: "stop it with Ctrl-C") { pid in
        sleep(2)
        kill(pid, SIGINT)
        sleep(3)
        // Still mpirun (not a reused pid): the second Ctrl-C forces it.
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        if command.hasPrefix("mpirun") { kill(pid, SIGINT) }
      }
      let run = try Self.runWithFault(
        .cut, ["--enable-recovery"] + Self.keepalive, store: store, also: [interrupt])
      #expect(!run.timedOut, "\(run.all)")
      #expect(
        run.errors.contains(/rank 2: silent for \d+ s during trial/), "\(run.all)")
      #expect(run.output.contains("1 retried"), "\(run.all)")
      #expect(run.output.contains("lost ranks 2"), "\(run.all)")
      #expect(run.errors.contains("stop it with Ctrl-C"), "\(run.all)")
      try Self.expectCompleteAndEqualToOneProcess(store)
    }
  }

  /// SIGKILL to rank 2 on swnode3 under `--enable-recovery`: rank 0 cannot see a process on
  /// another machine, so it gives the group up after the silence timeout; the study completes
  /// with the results of an undisturbed run and the job ends by itself (status 0).
  @Test(.needsNetworkHosts)
  func aKilledRankOnAnotherHostIsGivenUpUnderEnableRecovery() throws {
    try Self.withHosts {
      let store = RunCommandTests.temporaryStore()
      let run = try Self.runWithFault(.kill, ["--enable-recovery"] + Self.keepalive, store: store)
      #expect(!run.timedOut && run.status == 0, "\(run.all)")
      #expect(
        run.errors.contains(/rank 2: silent for \d+ s during trial/), "\(run.all)")
      #expect(run.output.contains("1 retried"), "\(run.all)")
      try Self.expectCompleteAndEqualToOneProcess(store)
    }
  }

  /// Either fault under plain `mpirun` tears the job down: swnode3 off the network, which Open
  /// MPI notices by its keepalive (the lost daemon), or SIGKILL to rank 2 on swnode3 (status
  /// 137). The next `stepwise run` resumes from the store with nothing lost.
  @Test(
    .needsNetworkHosts,
    arguments: [
      (Fault.cut, "ORTE has lost communication with a remote daemon"),
      (Fault.kill, "exited on signal 9"),
    ])
  func aFaultOnAnotherHostEndsAPlainMpirunJobAndTheNextRunResumes(
    fault: Fault, message: String
  ) throws {
    try Self.withHosts {
      let store = RunCommandTests.temporaryStore()
      let run = try Self.runWithFault(fault, Self.keepalive, store: store)
      #expect(!run.timedOut && run.status != 0, "\(run.all)")
      #expect(run.errors.contains(message), "\(run.all)")
      try Self.expectTheNextRunResumes(store)
    }
  }
}

extension Trait where Self == ConditionTrait {
  /// What every `NetworkHostsTests` test needs; without it the test is skipped, saying why.
  static var needsNetworkHosts: Self {
    .enabled(
      if: NetworkHostsTests.canRun,
      "needs root (network namespaces), iproute2, mpirun, the stepwise binary and Fashion-MNIST")
  }
}
