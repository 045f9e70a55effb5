import Foundation
import Network
import Primitives
import Pruning
import Testing

/// The cost of one GraSP mask with the official sample (10 per class = 100 examples, T = 200),
/// computed as a trial's mask is (`ModelPruningNetwork`: Float gradients from the fast kernels,
/// H g from the exact Double engine), three times. Opt-in: `STEPWISE_BENCH=1 swift test --filter
/// GraSPBenchmarkTests` (Pruning is compiled -O even in debug builds, so debug and release
/// builds time the same engine). Serialized, so the models do not share the cores. Synthetic
/// images: the cost does not depend on pixel values.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STEPWISE_BENCH"] != nil))
struct GraSPBenchmarkTests {
  @Test(arguments: ["resnet-8", "simple-cnn"])
  func maskWithTheOfficialSample(name: String) throws {
    let description = try #require(ModelDescription.named(name))
    let threads = Int(ProcessInfo.processInfo.environment["STEPWISE_THREADS"] ?? "") ?? 2
    let model = try Model(description, maxBatch: 100, threads: threads)
    model.initialize(seed: 1)
    let network = ModelPruningNetwork(model: model)
    var generator = SplitMix64(seed: 9)
    let batch = TinyNetworks.batch(
      description.input, labels: (0..<100).map { (7 * $0 + 3) % 10 }, generator: &generator)
    let configuration = PruningConfiguration(
      method: .grasp, examples: .perClass(10), prunable: .weights, temperature: 200,
      sparsity: 0.9)
    var seconds: [Double] = []
    for _ in 0..<3 {
      let result = try Pruner.computeMask(configuration, network: network, data: [batch])
      #expect(result.examples == 100)
      seconds.append(result.seconds)
    }
    let load =
      (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
      .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
    print(
      "GRASP-BENCH \(name) per_class 10 (100 examples): "
        + seconds.map { String(format: "%.2f s", $0) }.joined(separator: ", ")
        + "; load average \(load)")
  }
}
