import Foundation
import Testing

/// `stepwise bench` as a process: one JSON line per (batch, sparsity) cell with the fields the
/// issue asks for, the sparse cell timed against its dense kernels, and its layer paths.
@Suite(.enabled(if: RunProcessTests.binary != nil)) struct BenchCommandTests {
  @Test func sparsityListGivesOneJSONLinePerCellWithLayerPaths() throws {
    let binary = try #require(RunProcessTests.binary)
    let (status, output) = try RunProcessTests.launch(
      binary,
      [
        "bench", "--model", "fc-32", "--batch-sizes", "8", "--sparsity", "0,0.9",
        "--mask", "random", "--seconds", "0.01", "--repeats", "2", "--warmup", "0.01",
        "--threads", "1", "--kernels", "sparse", "--json",
      ])
    #expect(status == 0, "\(output)")
    let lines = output.split(separator: "\n").filter { $0.hasPrefix("{") }
    try #require(lines.count == 2)
    let cells = try lines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    for key in [
      "model", "batch_size", "sparsity", "mask", "examples_per_s", "eval_examples_per_s",
      "dense_examples_per_s", "layer_paths", "allreduce_bytes_per_step",
    ] {
      #expect(cells.allSatisfy { $0[key] != nil }, "\(key)")
    }
    #expect(cells[0]["mask"] as? String == "none")
    #expect((cells[0]["layer_paths"] as? [Any])?.isEmpty == true)
    #expect(cells[1]["mask"] as? String == "random")
    let paths = try #require(cells[1]["layer_paths"] as? [[String: Any]])
    #expect(paths.map { $0["layer"] as? String } == ["dense1", "dense2"])
    #expect(paths.allSatisfy { $0["path"] as? String == "sparse" })
    let kept = try #require(cells[1]["allreduce_bytes_per_step"] as? Int)
    let all = try #require(cells[1]["dense_allreduce_bytes_per_step"] as? Int)
    #expect(kept > 0 && kept < all / 5)
    #expect((cells[1]["dense_repeat_steps_per_s"] as? [Double])?.count == 2)
  }

  /// `--lipschitz-examples`: per round, the probe and equal work of steps, wall and CPU rates.
  @Test(.enabled(if: RunCommandTests.hasData))
  func lipschitzProbeAgainstStepsGivesEveryRound() throws {
    let binary = try #require(RunProcessTests.binary)
    let (status, output) = try RunProcessTests.launch(
      binary,
      [
        "bench", "--model", "fc-32", "--batch-sizes", "50", "--lipschitz-examples", "100",
        "--repeats", "2", "--threads", "1", "--data", RunCommandTests.dataDirectory, "--json",
      ])
    #expect(status == 0, "\(output)")
    let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") })
    let cell = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(cell["dataset"] as? String == "fashion-mnist" && cell["examples"] as? Int == 100)
    for part in ["step", "real_step", "gradients", "lipschitz"] {
      for suffix in ["_examples_per_s", "_cpu_examples_per_s"] {
        let rates = try #require(cell[part + suffix] as? [Double], "\(part)\(suffix)")
        #expect(rates.count == 2 && rates.allSatisfy { $0 > 0 && $0.isFinite }, "\(part)")
      }
    }
    // The probe's own clock (what the store keeps): a rate per round. (Not compared with the
    // timed one: at this size a round lasts milliseconds, and one preemption in a parallel test
    // run moves either by 10x.)
    let recorded = try #require(cell["recorded_examples_per_s"] as? [Double])
    #expect(recorded.count == 2 && recorded.allSatisfy { $0 > 0 && $0.isFinite })
  }

  @Test func lipschitzWithoutDataIsAnError() throws {
    let binary = try #require(RunProcessTests.binary)
    let (status, output) = try RunProcessTests.launch(
      binary, ["bench", "--lipschitz-examples", "100"], errors: true)
    #expect(status != 0)
    #expect(output.contains("--data"))
  }

  @Test func snipWithoutDataIsAnError() throws {
    let binary = try #require(RunProcessTests.binary)
    let (status, output) = try RunProcessTests.launch(
      binary, ["bench", "--sparsity", "0.9", "--mask", "snip"], errors: true)
    #expect(status != 0)
    #expect(output.contains("--data"))
  }
}
