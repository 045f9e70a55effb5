import Datasets
import Network

/// How a trial is executed, as opposed to what it computes (the `TrialSpec`): none of these
/// knobs is part of a trial's identity, except that the worker count fixes the summation order
/// of the all-reduce (results agree across worker counts to about 1e-5, bit for bit only for the
/// same count).
public struct TrainerConfiguration: Sendable {
  /// Data-parallel workers (in-process ranks, one thread each); the global batch is split over
  /// them in contiguous shards.
  public var workers: Int
  /// OpenMP threads each worker's kernels use. Keep `workers * threadsPerWorker` at most the
  /// core count.
  public var threadsPerWorker: Int
  /// Save a checkpoint every this many steps, and when the trial ends in a state a larger budget
  /// could continue (budget spent, gave up, dominated); 0 never.
  public var checkpointEverySteps: Int
  /// Examples per forward pass during evaluation (and the largest micro-batch of a step).
  public var evaluationBatchSize: Int
  /// Where prepared datasets are shared between trials.
  public var datasets: DatasetCache
  /// Landscape probes to run inside each trial (none by default; they never change a result).
  public var probes: ProbeSchedule = .none
  /// Kernel choice for pruned layers; nil: `STEPWISE_SPARSE_KERNELS`, else measured.
  public var sparseKernels: SparseKernelPolicy?

  public init(
    workers: Int = 1, threadsPerWorker: Int = 1, checkpointEverySteps: Int = 1000,
    evaluationBatchSize: Int = 1000, datasets: DatasetCache = .shared
  ) {
    self.workers = workers
    self.threadsPerWorker = threadsPerWorker
    self.checkpointEverySteps = checkpointEverySteps
    self.evaluationBatchSize = evaluationBatchSize
    self.datasets = datasets
  }
}
