import Datasets
import Foundation
import Network
import Planning
import Pruning
import Testing
import WorkloadModel

@testable import Training

/// What `scripts/torch_fidelity.py` compares against PyTorch (issue 17), written on request:
/// these are tools that run the real trainer, not checks, so they are off unless their
/// environment variable names an output (see docs/fidelity.md).
///
/// - `STEPWISE_FIDELITY_TRACE=DIR`: one trial's equal-input trace. `TrialRunner` (the loop
///   `stepwise run` uses) checkpoints after every step; the checkpoints give the parameters after
///   each step and, from the running loss sums, each step's loss. Written: `meta.json`,
///   `init.f32` (the weights `Model.initialize` draws, before the mask), `mask.f32`,
///   `indices.i32` (the training-split positions of every batch, from `BatchStream`),
///   `params.f32` (the parameters after steps 1...steps), all little-endian.
///   `STEPWISE_FIDELITY_SEED` (study seed, default 0), `_LR` (0.316), `_SPARSITY` (0.9),
///   `_STEPS` (300) choose the trial.
/// - `STEPWISE_FIDELITY_SEEDS=FILE`: independent trials for the seed distributions, one JSON line
///   per trial appended to FILE (validation error every 100 steps). `_STUDY_SEEDS` (`0-7`),
///   `_RUNS` (`0.316:0.9,0.1:0.9`: learning rate:sparsity pairs, in order), `_STEPS` (1000).
///   A study seed's mask is computed once and reused across learning rates.
///
/// Seeds follow the planner: study seed s gives trial 0's init seed
/// `SeedDerivation.initSeed(studySeed: s, trial: 0)` and the study's data seed, so varying s
/// varies the initialisation, the mask and the data order together.
@Suite(.serialized, .enabled(if: TrialFixtures.hasMNIST)) struct FidelityTrace {
  static let environment = ProcessInfo.processInfo.environment

  static func value(_ name: String, _ fallback: Double) -> Double {
    environment["STEPWISE_FIDELITY_\(name)"].flatMap(Double.init) ?? fallback
  }

  /// Lee et al.'s MNIST set-up at batch 128: the 6,000-example holdout, SNIP on the whole
  /// training split with biases prunable, global scope.
  static func spec(studySeed: Int, learningRate: Double, sparsity: Double, steps: Int)
    -> TrialSpec
  {
    let initSeed = SeedDerivation.initSeed(studySeed: studySeed, trial: 0)
    var spec = TrialFixtures.spec(
      batchSize: 128, metaparameters: [.learningRate: learningRate], maxSteps: steps,
      evaluateEvery: 100, goal: Goal(comparison: .atMost, threshold: 0),
      key: "fidelity-\(studySeed)-\(learningRate)-\(sparsity)", initSeed: initSeed,
      dataSeed: SeedDerivation.dataSeed(studySeed: studySeed), holdout: 6000)
    if sparsity > 0 {
      spec.sparsity = sparsity
      spec.pruning = PruningNode(
        key: TrialKey(hex: "fidelity-node-\(studySeed)-\(sparsity)"),
        method: PruningSpec(method: .snip), sparsity: sparsity, initSeed: initSeed)
    }
    return spec
  }

  @Test(.enabled(if: environment["STEPWISE_FIDELITY_TRACE"] != nil))
  func writeEqualInputTrace() throws {
    let directory = try #require(Self.environment["STEPWISE_FIDELITY_TRACE"])
    let studySeed = Int(Self.value("SEED", 0))
    let learningRate = Self.value("LR", 0.316)
    let sparsity = Self.value("SPARSITY", 0.9)
    let steps = Int(Self.value("STEPS", 300))
    let spec = Self.spec(
      studySeed: studySeed, learningRate: learningRate, sparsity: sparsity, steps: steps)
    let pruning = try spec.pruning.map { _ in try MaskBuilder(threads: 1).mask(for: spec) }

    let description = try TrialModel(spec).description
    let model = try Model(description, maxBatch: 1)
    model.initialize(seed: spec.initSeed)
    let initial = model.store.parameterArray()

    let run = try Self.run(spec, mask: pruning?.mask)
    let checkpoints = run.checkpoints
    let losses = run.losses
    let recorder = run.recorder

    let data = try DatasetCache.shared.dataset(for: spec.dataset)
    var stream = BatchStream(count: data.train.count, seed: spec.dataSeed)
    var indices = [Int32](repeating: 0, count: steps * spec.batchSize)
    indices.withUnsafeMutableBufferPointer { stream.next(into: $0) }

    let out = URL(fileURLWithPath: directory)
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try Self.write(initial, to: out.appendingPathComponent("init.f32"))
    try Self.write(
      pruning?.mask ?? [Float](repeating: 1, count: initial.count),
      to: out.appendingPathComponent("mask.f32"))
    try Self.write(indices, to: out.appendingPathComponent("indices.i32"))
    try Self.write(checkpoints.flatMap(\.parameters), to: out.appendingPathComponent("params.f32"))
    let meta: [String: Any] = [
      "format": "stepwise-fidelity-trace", "version": 1, "study_seed": studySeed,
      "init_seed": String(spec.initSeed), "data_seed": String(spec.dataSeed),
      "learning_rate": learningRate, "sparsity": sparsity, "batch": spec.batchSize,
      "steps": steps, "evaluate_every": spec.evaluationEverySteps, "losses": losses,
      "parameters": initial.count,
      "layers": model.store.slices.map {
        ["name": $0.name, "offset": $0.offset, "count": $0.count, "fan_in": $0.fanIn]
          as [String: Any]
      },
      "snip_layers": pruning?.layers.map {
        ["name": $0.name, "density": $0.density] as [String: Any]
      } ?? [],
      "evaluations": recorder.events.map {
        [
          "step": $0.step, "validation_error": $0.validationError,
          "validation_loss": $0.validationLoss,
        ] as [String: Any]
      },
    ]
    try JSONSerialization.data(withJSONObject: meta, options: [.prettyPrinted, .sortedKeys])
      .write(to: out.appendingPathComponent("meta.json"))
  }

  @Test(.enabled(if: environment["STEPWISE_FIDELITY_SEEDS"] != nil))
  func writeSeedDistributions() throws {
    let file = try #require(Self.environment["STEPWISE_FIDELITY_SEEDS"])
    let range = (Self.environment["STEPWISE_FIDELITY_STUDY_SEEDS"] ?? "0-7").split(separator: "-")
    let seeds = try #require(Int(range[0]))...(try #require(Int(range.last ?? range[0])))
    let runs = try (Self.environment["STEPWISE_FIDELITY_RUNS"] ?? "0.316:0.9,0.1:0.9")
      .split(separator: ",").map { pair -> (Double, Double) in
        let parts = pair.split(separator: ":")
        return (try #require(Double(parts[0])), try #require(Double(parts[1])))
      }
    let steps = Int(Self.value("STEPS", 1000))
    if !FileManager.default.fileExists(atPath: file) {
      FileManager.default.createFile(atPath: file, contents: nil)
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
    defer { try? handle.close() }
    for studySeed in seeds {
      var masks: [Double: PruningResult] = [:]
      for (learningRate, sparsity) in runs {
        let spec = Self.spec(
          studySeed: studySeed, learningRate: learningRate, sparsity: sparsity, steps: steps)
        if spec.pruning != nil, masks[sparsity] == nil {
          masks[sparsity] = try MaskBuilder(threads: 1).mask(for: spec)
        }
        let report = TrialRunner(configuration: TrainerConfiguration(checkpointEverySteps: 0))
          .run(spec, mask: masks[sparsity]?.mask)
        let line: [String: Any] = [
          "side": "stepwise", "study_seed": studySeed, "learning_rate": learningRate,
          "sparsity": sparsity, "end": "\(report.end)", "seconds": report.seconds,
          "steps": report.evaluations.map(\.step),
          "validation_error": report.evaluations.map(\.validationError),
        ]
        var bytes = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        bytes.append(0x0A)
        try handle.seekToEnd()
        try handle.write(contentsOf: bytes)
      }
    }
  }

  /// `spec` through `TrialRunner` with a checkpoint after every step: the parameters after each
  /// step, each step's loss, and the evaluations.
  static func run(_ spec: TrialSpec, mask: [Float]?) throws -> (
    checkpoints: [TrainingCheckpoint], losses: [Double], recorder: Recorder
  ) {
    let recorder = Recorder()
    let report = TrialRunner(configuration: TrainerConfiguration(checkpointEverySteps: 1)).run(
      spec, mask: mask, monitor: recorder.monitor())
    guard case .budgetSpent = report.end else {
      throw FidelityError(message: "the trial ended \(report.end)")
    }
    let checkpoints = try recorder.checkpoints.map { try TrainingCheckpoint(decoding: $0.bytes) }
    guard checkpoints.map(\.step) == Array(1...spec.maxSteps) else {
      throw FidelityError(message: "checkpoints at \(checkpoints.map(\.step))")
    }
    // Step s's loss: the running sum's increment; at an evaluation the sum restarts, and the
    // event's mean over the period gives it back.
    let events = Dictionary(uniqueKeysWithValues: recorder.events.map { ($0.step, $0) })
    var losses: [Double] = []
    var previous = 0.0
    for c in checkpoints {
      if let e = events[c.step] {
        let period = c.step - (c.step - 1) / spec.evaluationEverySteps * spec.evaluationEverySteps
        losses.append(e.trainingLoss * Double(period) - previous)
      } else {
        losses.append(c.lossSinceEvaluation - previous)
      }
      previous = c.lossSinceEvaluation
    }
    return (checkpoints, losses, recorder)
  }

  struct FidelityError: Error {
    var message: String
  }

  static func write<T>(_ values: [T], to url: URL) throws {
    try values.withUnsafeBytes { try Data($0).write(to: url) }
  }
}
