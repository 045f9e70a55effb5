import Foundation
import StepwiseTestSupport
import Testing
import WorkloadLoading
import WorkloadModel

/// The shipped workloads: every one validates clean and means what its comments say.
struct WorkloadsTests {
  static let root = Golden.directory(of: #filePath) + "/../.."
  static var files: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/workloads")) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { root + "/workloads/" + $0 }
      + [root + "/grammar/starter.yaml"]
  }

  @Test(arguments: files)
  func workloadValidatesClean(_ path: String) {
    let (_, workload, diagnostics) = WorkloadLoader(environment: [:]).load(path: path)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.summary))")
    #expect(workload != nil)
  }

  @Test func leeMNISTSGDIsExpressedExactly() throws {
    let (_, w, _) = WorkloadLoader(environment: [:]).load(
      path: Self.root + "/workloads/mnist-simple-cnn-sgd.yaml")
    let workload = try #require(w)
    #expect(workload.dataset.directory.value == "/usr/share/datasets/mnist")
    #expect(workload.dataset.trainingExamples == 54_000)
    #expect(workload.model.architecture == .simpleCNN)
    #expect(workload.optimizers.count == 1)
    #expect(
      workload.optimizers[0].metaparameters == [
        .learningRate: .search(.continuous(min: 1e-4, max: 1, scale: .log))
      ])
    #expect(workload.study.batchSizes.map(\.value) == (1...14).map { 1 << $0 })
    #expect(workload.study.sparsities.map(\.value) == [0, 0.5, 0.7, 0.9])
    #expect(workload.study.pruning.method == .snip)
    #expect(workload.study.pruning.prunable == .weightsAndBiases)
    #expect(workload.study.sequence == .sobol(skip: 1))
    #expect(workload.study.trials == 100)
    #expect(workload.goal == Goal(metric: .validationError, comparison: .atMost, threshold: 0.02))
    #expect(workload.budget.maxSteps == 40_000)
    #expect(workload.evaluation.everySteps == 100)
  }

  @Test func resnet8UsesIntegerDecaySteps() throws {
    let (_, w, _) = WorkloadLoader(environment: [:]).load(
      path: Self.root + "/workloads/cifar-10-resnet-8-nesterov.yaml")
    let optimizer = try #require(w?.optimizers.first)
    #expect(
      optimizer.metaparameters[.decaySteps]
        == .search(.integer(min: 30_000, max: 60_000, scale: .linear)))
    #expect(
      optimizer.searchDimensions.map(\.0) == [
        .learningRate, .momentum, .decaySteps, .endLearningRateFactor,
      ])
  }

  @Test func momentumDefaultsToPointNine() throws {
    let text = """
      stepwise: 1
      name: m
      dataset: {name: mnist, directory: data}
      model: {architecture: fc-128}
      optimizer: {kind: momentum, search: {learning_rate: 0.1}}
      study: {batch_sizes: [32], trials: 1}
      goal: {below: 0.05}
      budget: {max_steps: 10}
      """
    let (w, d) = WorkloadLoader(environment: [:]).load(.init(path: "dir/w.yaml", text: text))
    #expect(d.isEmpty)
    let workload = try #require(w)
    #expect(workload.optimizers[0].metaparameters[.momentum] == .fixed(0.9))
    #expect(workload.dataset.directory.value == "dir/data")
    #expect(workload.evaluation.everySteps == 100)
  }

  @Test func environmentVariableIsExpanded() throws {
    let text = """
      stepwise: 1
      name: e
      dataset: {name: mnist, directory: "${DATA}/mnist"}
      model: {architecture: simple-cnn}
      optimizer: {kind: sgd, search: {learning_rate: 0.1}}
      study: {batch_sizes: [32], trials: 1}
      goal: {at_most: 0.05}
      budget: {max_steps: 10}
      """
    let (w, _) = WorkloadLoader(environment: ["DATA": "/srv"]).load(
      .init(path: "w.yaml", text: text))
    #expect(w?.dataset.directory.value == "/srv/mnist")
  }

  @Test func parameterCountsMatchThePapers() {
    func count(_ a: Architecture, _ d: DatasetName) -> Int? {
      let s = d.imageShape
      let input = LayerShape.spatial(channels: s.channels, height: s.height, width: s.width)
      if case .success(let r) = ShapeInference.infer(a.layers(), input: input) {
        return r.parameterCount
      }
      return nil
    }
    #expect(count(.simpleCNN, .mnist) == 62_346)
    #expect(count(.resnet8, .cifar10) == 75_050)
    #expect(count(.fullyConnected(hidden: [128]), .mnist) == 784 * 128 + 128 + 1290)
  }
}
