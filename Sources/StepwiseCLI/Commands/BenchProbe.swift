import Datasets
import Foundation
import Network
import Training
import WorkloadModel

/// `stepwise bench --lipschitz-examples N --data DIR`: the Lipschitz probe's examples per second
/// against the trainer's step on the same model, in interleaved rounds (`ProbeThroughput`).
enum BenchProbe {
  static func run(
    _ name: String, _ description: ModelDescription, directory: String, batch: Int,
    examples: Int, threads: Int, rounds: Int, json: Bool
  ) throws {
    let dataset: DatasetName = directory.lowercased().contains("fashion") ? .fashionMNIST : .mnist
    let data = try PreparedDataset(
      spec: DatasetSpec(
        name: dataset, directory: Located(directory),
        validation: ValidationSplit(holdout: 6000, seed: 0), normalization: .global))
    let measured = try ProbeThroughput.measure(
      description, train: data.train, batch: batch, examples: examples, threads: threads,
      rounds: rounds
    ) { part, count, profile in
      // STEPWISE_PROFILE=1: where each part's time goes, per 1,000 examples, on stderr.
      var lines = ["# profile \(part) (\(count) examples): ms per 1000 examples, wall / CPU"]
      for entry in profile {
        lines.append(
          String(
            format: "#   %9.2f %9.2f  %@ (%d calls)", 1e6 * entry.seconds / Double(count),
            1e6 * entry.cpuSeconds / Double(count), entry.label, entry.calls))
      }
      FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
    func median(_ values: [Double]) -> Double {
      let sorted = values.sorted()
      return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
    let parts: [(String, KeyPath<ProbeThroughput.Round, ProbeThroughput.Rate>)] = [
      ("step", \.step), ("real_step", \.realStep), ("gradients", \.gradients),
      ("lipschitz", \.lipschitz),
    ]
    if json {
      var object: [String: Any] = [
        "model": name, "batch_size": batch, "threads": threads, "examples": examples,
        "dataset": dataset.rawValue,
      ]
      for (label, path) in parts {
        object[label + "_examples_per_s"] = measured.map { $0[keyPath: path].wall }
        object[label + "_cpu_examples_per_s"] = measured.map { $0[keyPath: path].cpu }
      }
      object["recorded_examples_per_s"] = measured.map(\.recorded)
      let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return
    }
    print(
      "## \(name), batch \(batch), \(threads) threads: Lipschitz probe over \(examples) "
        + "\(dataset.rawValue) training images vs the training step, examples/s "
        + "(wall / per CPU second)")
    print(
      "round".padding(toLength: 7, withPad: " ", startingAt: 0)
        + parts.map { $0.0.padding(toLength: 22, withPad: " ", startingAt: 0) }.joined()
        + "recorded")
    func cell(_ r: ProbeThroughput.Rate) -> String {
      String(format: "%.0f / %.0f", r.wall, r.cpu).padding(toLength: 22, withPad: " ", startingAt: 0)
    }
    for (i, round) in measured.enumerated() {
      print(
        "\(i + 1)".padding(toLength: 7, withPad: " ", startingAt: 0)
          + parts.map { cell(round[keyPath: $0.1]) }.joined()
          + String(format: "%.0f", round.recorded))
    }
    let step = (median(measured.map(\.step.wall)), median(measured.map(\.step.cpu)))
    let probe = (median(measured.map(\.lipschitz.wall)), median(measured.map(\.lipschitz.cpu)))
    print(
      String(
        format: "median: step %.0f / %.0f, Lipschitz probe %.0f / %.0f; probe/step %.2f (wall), "
          + "%.2f (CPU)", step.0, step.1, probe.0, probe.1, probe.0 / step.0, probe.1 / step.1))
    fflush(nil)
  }
}
