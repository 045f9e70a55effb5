import Collectives
import Datasets
import Foundation
import Network
import Planning

/// Runs trials: one `TrialSpec` in, a stream of evaluations out (through a `TrialMonitor`), and a
/// `TrialReport` at the end.
///
/// A run prepares the data (cached per process), builds the model, initialises it from
/// `spec.initSeed`, installs the mask if one is given, and trains data-parallel on
/// `configuration.workers` in-process ranks. `runRank` is the same loop for one rank of a caller's
/// communicator (Open MPI). Steps-to-result follows Lee et al.: the first evaluated step (updates
/// applied, a multiple of `evaluationEverySteps`) whose whole-validation metric meets the goal.
///
/// Determinism: the same spec, mask, worker count and thread count give the same curve bit for
/// bit; a resumed run equals an uninterrupted one.
public struct TrialRunner: Sendable {
  public var configuration: TrainerConfiguration

  public init(configuration: TrainerConfiguration = TrainerConfiguration()) {
    self.configuration = configuration
  }

  /// Runs `spec` on `configuration.workers` in-process ranks.
  ///
  /// - Parameters:
  ///   - mask: 0/1 per parameter in the model's flat layout (the pruning stage's output); nil
  ///     for a dense trial.
  ///   - checkpoint: bytes a previous run handed to `monitor.checkpoint`, to continue from.
  public func run(
    _ spec: TrialSpec, mask: [Float]? = nil, resumingFrom checkpoint: [UInt8]? = nil,
    monitor: TrialMonitor = TrialMonitor()
  ) -> TrialReport {
    let workers = max(1, configuration.workers)
    if workers == 1 {
      return runRank(
        spec, mask: mask, resumingFrom: checkpoint, communicator: SingleRank(), monitor: monitor)
    }
    let group = ThreadCommunicator.group(size: workers)
    let done = DispatchGroup()
    for comm in group.dropFirst() {
      done.enter()
      let runner = self
      let thread = Thread {
        _ = runner.runRank(spec, mask: mask, resumingFrom: checkpoint, communicator: comm)
        done.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    let report = runRank(
      spec, mask: mask, resumingFrom: checkpoint, communicator: group[0], monitor: monitor)
    done.wait()
    return report
  }

  /// One rank of a data-parallel trial over `communicator`: every rank of it must call this with
  /// the same arguments; `monitor` is used on rank 0 only. Errors that every rank sees alike
  /// (data, spec, mask, checkpoint) end the trial as `.failed` on every rank.
  public func runRank(
    _ spec: TrialSpec, mask: [Float]?, resumingFrom checkpoint: [UInt8]?,
    communicator: any Communicator, monitor: TrialMonitor? = nil
  ) -> TrialReport {
    let started = ContinuousClock.now
    func failed(_ message: String) -> TrialReport {
      TrialReport(
        end: .failed(message: message), evaluations: [], steps: 0,
        seconds: started.duration(to: .now).seconds, examplesPerSecond: 0)
    }
    guard spec.batchSize >= 1 else { return failed("batch size \(spec.batchSize) must be >= 1") }
    guard spec.maxSteps >= 1 else { return failed("step budget \(spec.maxSteps) must be >= 1") }
    do {
      let data = try configuration.datasets.dataset(for: spec.dataset)
      if !spec.datasetDigest.isEmpty && spec.datasetDigest != data.digest {
        return failed(
          "\(spec.dataset.directory.value): the files' content digest is \(data.digest) but the "
            + "plan was compiled for \(spec.datasetDigest); the data changed since planning "
            + "(re-plan, or restore the original files)")
      }
      let plan = try TrialModel(spec)
      let restored = try checkpoint.map { try TrainingCheckpoint(decoding: $0) }
      let loop = try RankLoop(
        spec: spec, plan: plan, data: data, comm: communicator, monitor: monitor,
        configuration: configuration)
      return try loop.run(mask: mask, checkpoint: restored)
    } catch let error as DatasetError {
      return failed(error.description)
    } catch let error as TrialFailure {
      return failed(error.message)
    } catch let error as CheckpointError {
      return failed(error.description)
    } catch let error as CollectiveError {
      return failed("workers lost contact: \(error.description)")
    } catch {
      return failed("\(error)")
    }
  }
}
