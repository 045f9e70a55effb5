import Foundation
import Network
import Pruning
import Testing

/// The cost of one ResNet-8 GraSP mask with the official sample (10 per class = 100 examples,
/// T = 200), computed as a trial's mask is (`ModelPruningNetwork`: Float gradients from the fast
/// kernels, H g from the exact Double engine). Opt-in: `STEPWISE_BENCH=1 swift test --filter
/// GraSPBenchmarkTests` (Pruning is compiled -O even in debug builds, so debug and release
/// builds time the same engine). Synthetic images: the cost does not depend on pixel values.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["STEPWISE_BENCH"] != nil))
struct GraSPBenchmarkTests {
  @Test func resnet8MaskWithTheOfficialSample() throws {
    let fixture = try ResNet8Fixture.load()
    let threads = Int(ProcessInfo.processInfo.environment["STEPWISE_THREADS"] ?? "") ?? 2
    let model = try Model(.resnet8(), maxBatch: 100, threads: threads)
    model.initialize(seed: 1)
    let network = ModelPruningNetwork(model: model)
    let configuration = PruningConfiguration(
      method: .grasp, examples: .perClass(10), prunable: .weights, temperature: 200,
      sparsity: 0.9)
    var seconds: [Double] = []
    for _ in 0..<3 {
      let result = try Pruner.computeMask(configuration, network: network, data: [fixture.batch()])
      #expect(result.examples == 100)
      seconds.append(result.seconds)
    }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
      .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
    print(
      "GRASP-BENCH resnet-8 per_class 10 (100 examples): "
        + seconds.map { String(format: "%.2f s", $0) }.joined(separator: ", ")
        + " (min \(String(format: "%.2f", seconds.min() ?? 0)) s); load average \(load)")
  }
}
