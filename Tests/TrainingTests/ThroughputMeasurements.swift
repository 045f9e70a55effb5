import Datasets
import Foundation
import Network
import Testing
import WorkloadModel

@testable import Training

/// Numbers for the performance notes, not pass/fail checks: run with `STEPWISE_MEASURE=1`
/// (ideally in a release build: `swift build -c release --build-tests -Xswiftc -enable-testing`).
@Suite(
  .serialized,
  .enabled(if: ProcessInfo.processInfo.environment["STEPWISE_MEASURE"] == "1"
    && TrialFixtures.hasMNIST))
struct ThroughputMeasurements {
  @Test(arguments: [16, 64, 256])
  func trainingLoopAgainstBareModelSteps(batch: Int) throws {
    let steps = max(20, 6400 / batch)
    // The bare model: trainStep + SGD on one fixed batch, as a kernel benchmark does.
    let model = try Model(.simpleCNN(), maxBatch: 1000, threads: 2)
    model.initialize(seed: 1)
    let images = [Float](repeating: 0.1, count: batch * 784)
    let labels = (0..<batch).map { Int32($0 % 10) }
    let sgd = SGD(momentum: .none)
    let clock = ContinuousClock()
    _ = try model.trainStep(input: images, labels: labels, count: batch)
    let bare = try clock.measure {
      for _ in 0..<steps {
        _ = try model.trainStep(input: images, labels: labels, count: batch)
        sgd.step(store: model.store, learningRate: 0.01)
      }
    }
    let bareRate = Double(batch * steps) / bare.seconds
    // The trial loop on real data, evaluating only at the end.
    let spec = TrialFixtures.spec(
      batchSize: batch, metaparameters: [.learningRate: 0.01], maxSteps: steps,
      evaluateEvery: steps, holdout: 6000)
    let recorder = Recorder()
    let report = TrialRunner(
      configuration: TrainerConfiguration(threadsPerWorker: 2, checkpointEverySteps: 0)
    ).run(spec, monitor: recorder.monitor())
    let evalSeconds = recorder.events.last?.evaluationSeconds ?? 0
    print(
      "MEASURE batch \(batch): trial loop \(Int(report.examplesPerSecond)) examples/s, bare "
        + "Model.trainStep+SGD \(Int(bareRate)) examples/s (ratio "
        + String(format: "%.2f", report.examplesPerSecond / bareRate) + "); evaluation of "
        + "6,000 images \(String(format: "%.3f", evalSeconds)) s; model workspace "
        + "\(model.workspaceBytes / 1_048_576) MiB")
  }

  @Test func datasetLoadAndDigestTimes() throws {
    let clock = ContinuousClock()
    let root = TrialFixtures.dataRoot
    for (name, dir) in [(DatasetName.mnist, "/mnist"), (.fashionMNIST, "/fashion-mnist")] {
      let files = try DatasetFiles(dataset: name, directory: root + dir)
      var digest = ""
      let read = try clock.measure { digest = try DatasetReader.read(files).digest }
      let spec = DatasetSpec(
        name: name, directory: Located(root + dir),
        validation: ValidationSplit(holdout: 6000, seed: 0), normalization: .global)
      let prepare = try clock.measure { _ = try PreparedDataset(spec: spec) }
      let cold = try clock.measure {
        _ = try ContentDigest.digest(of: files, cache: DigestCache())
      }
      let cache = DigestCache()
      _ = try ContentDigest.digest(of: files, cache: cache)
      let warm = try clock.measure { _ = try ContentDigest.digest(of: files, cache: cache) }
      print(
        "MEASURE \(name.rawValue): read+check+digest \(read), full prepare (split, "
          + "standardise) \(prepare), digest alone cold \(cold) / cached \(warm); \(digest)")
    }
  }
}
