import Foundation
import Testing

/// A study run through Slurm, as docs/cluster.md says: scripts/slurm.sh starts a one-machine
/// Slurm (munge, slurmctld, slurmd on loopback), and `sbatch --wait scripts/stepwise.sbatch`
/// runs the tiny study on 3 tasks, started by `srun --mpi=pmix` or by `mpirun` inside the
/// allocation; either gives the results of one process. Needs root, Debian's slurm-wlm and
/// munge, Open MPI, the built `stepwise` and Fashion-MNIST; skipped otherwise.
@Suite(.serialized) struct SlurmTests {
  static let repository = RunProcessTests.repository
  static let script = repository.appendingPathComponent("scripts/slurm.sh").path
  /// Its own directory, so that a Slurm started by hand (scripts/slurm.sh up) is left alone.
  static let directory = "/run/stepwise-slurm-tests"
  static var canRun: Bool {
    getuid() == 0 && RunProcessTests.canRunMPI
      && ["srun", "sbatch", "slurmctld", "slurmd", "munged"].allSatisfy {
        RunProcessTests.which($0) != nil || FileManager.default.isExecutableFile(
          atPath: "/usr/sbin/" + $0)
      } && nameIsLoopback
  }
  /// scripts/slurm.sh needs this machine's name to resolve to a loopback address.
  static var nameIsLoopback: Bool {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count) == 0,
      let found = try? RunProcessTests.launch(
        "/usr/bin/getent", ["hosts", String(cString: name).split(separator: ".")[0].description])
    else { return false }
    return found.1.hasPrefix("127.")
  }
  static var environment: [String: String] {
    [
      "STEPWISE_SLURM_DIR": directory, "STEPWISE_SLURM_PORT": "6827",
      "SLURM_CONF": directory + "/slurm.conf",
    ]
  }

  static func slurm(_ verb: String) throws {
    let run = try NetworkHostsTests.bounded(
      "/bin/bash", [script, verb], environment: environment, seconds: 90)
    #expect(run.status == 0, "slurm.sh \(verb): \(run.all)")
  }

  /// `sbatch --wait` of the tiny study with `launch` (srun or mpirun), compared with one process.
  static func batch(_ launch: String) throws {
    try slurm("up")
    defer { _ = try? slurm("down") }
    let store = RunCommandTests.temporaryStore()
    let log = store + ".out"
    let sbatch = try #require(RunProcessTests.which("sbatch"))
    let run = try NetworkHostsTests.bounded(
      sbatch,
      [
        "--wait", "--ntasks=3", "--output=\(log)",
        repository.appendingPathComponent("scripts/stepwise.sbatch").path,
        "--quiet", "--store", store, RunCommandTests.tiny,
      ],
      environment: environment.merging([
        "STEPWISE_LAUNCH": launch, "STEPWISE_BIN": try #require(RunProcessTests.binary),
      ]) { $1 },
      seconds: 300)
    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    #expect(run.status == 0 && !run.timedOut, "\(run.all)\n\(output)")
    #expect(output.contains("mpirun: rank 0 served 12 trial starts"), "\(output)")
    RunProcessTests.expectSameResults(
      try NetworkHostsTests.oneProcess(["--jobs", "2"]), try RunProcessTests.snapshot(store))
  }

  @Test(
    .enabled(
      if: SlurmTests.canRun,
      "needs root, slurm-wlm and munge, this machine's name in /etc/hosts, mpirun, the stepwise binary and Fashion-MNIST"))
  func aBatchJobStartedBySrunGivesTheResultsOfOneProcess() throws {
    try Self.batch("srun")
  }

  @Test(
    .enabled(
      if: SlurmTests.canRun,
      "needs root, slurm-wlm and munge, this machine's name in /etc/hosts, mpirun, the stepwise binary and Fashion-MNIST"))
  func aBatchJobStartedByMpirunInsideTheAllocationGivesTheResultsOfOneProcess() throws {
    try Self.batch("mpirun")
  }
}
