import Datasets
import Foundation
import Network
import Planning
import Pruning
import WorkloadModel

/// Computes the pruning mask of a plan's pruning node: the model a trial of that node starts
/// from (same architecture, same init seed), scored by the node's method on the training split.
///
/// A node's mask does not depend on the batch size, so the caller computes it once per node and
/// stores it; every trial of the node, at every batch size, trains under the same mask. The
/// scored examples are the training split in its stored order (after the validation holdout),
/// in batches of the method's batch size, which makes the mask independent of any trial's data
/// order.
public struct MaskBuilder: Sendable {
  /// OpenMP threads for the scoring passes.
  public var threads: Int
  public var datasets: DatasetCache

  public init(threads: Int = 1, datasets: DatasetCache = .shared) {
    self.threads = threads
    self.datasets = datasets
  }

  /// The mask for `spec.pruning` (any trial of the node will do: they share model and seed).
  public func mask(for spec: TrialSpec) throws -> PruningResult {
    try masks(for: [spec])[0]
  }

  /// The masks of several nodes that differ only in sparsity (same init seed, method, model and
  /// data: one `ScoreSource`), one trial of each, from one scoring pass; in the order given.
  public func masks(for specs: [TrialSpec]) throws -> [PruningResult] {
    guard let spec = specs.first, let node = spec.pruning else {
      throw MaskBuilderError("no pruning node to compute")
    }
    for other in specs.dropFirst() {
      guard let otherNode = other.pruning, ScoreSource(otherNode) == ScoreSource(node),
        other.model == spec.model, other.dataset == spec.dataset
      else {
        throw MaskBuilderError(
          "trials \(spec.key.short) and \(other.key.short) do not share their pruning scores")
      }
    }
    let data: PreparedDataset
    do {
      data = try datasets.dataset(for: spec.dataset)
    } catch {
      throw MaskBuilderError(error.description)
    }
    let plan: TrialModel
    do {
      plan = try TrialModel(spec)
    } catch {
      throw MaskBuilderError(error.message)
    }
    let configuration = Self.configuration(node, classCount: spec.dataset.name.classCount)
    let batch = Self.batchSize(node.method.examples, available: data.train.count)
    let model: Model
    do {
      model = try Model(
        plan.description, maxBatch: Self.scoringBatch(batch, examples: node.method.examples),
        threads: threads)
    } catch {
      throw MaskBuilderError("cannot build the model to prune: \(error)")
    }
    model.initialize(seed: node.initSeed, initializer: plan.initializer)
    let network = ModelPruningNetwork(model: model)
    let batches = TrainingBatches(set: data.train, batchSize: batch)
    do {
      return try Pruner.computeMasks(
        configuration, sparsities: specs.map { $0.pruning?.sparsity ?? 0 }, network: network,
        data: batches)
    } catch {
      throw MaskBuilderError("pruning (\(node.method.method.rawValue)) failed: \(error)")
    }
  }

  /// Scores several groups (each as one `masks(for:)` call) on up to `jobs` threads at once, so
  /// that masks for different init seeds use every core instead of one after another.
  ///
  /// Each group builds its own model from its own seed and reads the shared, read-only prepared
  /// dataset, so a group's masks are the same as from a sequential call (a test holds them
  /// equal). Give this builder `threads` = cores / jobs. `finished` is called once per group
  /// started, from the thread that scored it, serialised by a lock; no group is started once
  /// `shouldStop` returns true (a Ctrl-C stops between masks). Returns when every started group
  /// has finished.
  public func masks(
    forGroups groups: [[TrialSpec]], jobs: Int, shouldStop: @escaping @Sendable () -> Bool,
    finished: @escaping @Sendable (Int, Result<[PruningResult], MaskBuilderError>) -> Void
  ) {
    let next = NSLock()
    let report = NSLock()
    nonisolated(unsafe) var position = 0
    let take = { @Sendable () -> Int? in
      next.withLock {
        guard position < groups.count, !shouldStop() else { return nil }
        defer { position += 1 }
        return position
      }
    }
    let work = { @Sendable [self] in
      while let g = take() {
        let result: Result<[PruningResult], MaskBuilderError>
        do {
          result = .success(try masks(for: groups[g]))
        } catch let error as MaskBuilderError {
          result = .failure(error)
        } catch {
          result = .failure(MaskBuilderError("\(error)"))
        }
        report.withLock { finished(g, result) }
      }
    }
    let workers = max(1, min(jobs, groups.count))
    let done = DispatchGroup()
    for _ in 1..<max(workers, 1) {
      done.enter()
      // Scoring runs deep in the model code: the same stack as the scheduler's trial threads.
      let thread = Thread {
        work()
        done.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    work()
    done.wait()
  }

  /// The Pruning module's configuration for a plan node.
  static func configuration(_ node: PruningNode, classCount: Int) -> PruningConfiguration {
    let spec = node.method
    let method: PruningConfiguration.Method
    switch spec.method {
    case .snip, .none: method = .snip
    case .grasp: method = .grasp
    case .random: method = .random
    case .magnitude: method = .magnitude
    }
    let examples: PruningConfiguration.Examples
    switch spec.examples {
    case .all: examples = .all
    case .count(let n): examples = .count(n)
    case .perClass(let n): examples = .perClass(n)
    }
    return PruningConfiguration(
      method: method, examples: examples,
      prunable: spec.prunable == .weights ? .weights : .weightsAndBiases,
      scope: spec.scope == .global ? .global : .layerwise, temperature: spec.temperature,
      sparsity: node.sparsity, seed: node.initSeed, classCount: classCount)
  }

  /// The model's batch for scoring: SNIP on the whole split joins its batches of 100 into calls of
  /// about 1,000 examples (the same sum of batch means; see `SaliencyScores.snip`), where the
  /// kernels run about 15% faster per example than at 100 and the activations still fit in
  /// a few hundred MB. Other samples are scored in the batch they come in.
  static func scoringBatch(_ batch: Int, examples: PruningExamples) -> Int {
    guard case .all = examples else { return batch }
    return max(batch, 1_000 / batch * batch)
  }

  /// Examples per scoring pass: the method's batch for `all`, the whole sample for `count`
  /// (one minibatch, as the original SNIP code), 100 for per-class sampling.
  static func batchSize(_ examples: PruningExamples, available: Int) -> Int {
    switch examples {
    case .all(let b): return max(1, min(b, available))
    case .count(let n): return max(1, min(n, available))
    case .perClass: return 100
    }
  }
}

/// The training split as consecutive pruning batches, made on demand (SNIP over all 54,000
/// examples never holds more than one batch).
struct TrainingBatches: Sequence {
  let set: ImageSet
  let batchSize: Int

  func makeIterator() -> AnyIterator<PruningBatch> {
    var start = 0
    let set = set
    let batchSize = batchSize
    return AnyIterator {
      guard start < set.count else { return nil }
      let end = Swift.min(set.count, start + batchSize)
      defer { start = end }
      let size = set.imageSize
      return PruningBatch(
        images: Array(set.pixels[(start * size)..<(end * size)]),
        labels: set.labels[start..<end].map(Int.init),
        imageShape: (set.channels, set.height, set.width))
    }
  }
}

/// Why a mask could not be computed, in words for the user.
public struct MaskBuilderError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}
