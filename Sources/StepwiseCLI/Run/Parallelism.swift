import Foundation

/// How a run spends the machine's cores: `jobs` trials at once, each on `workers` data-parallel
/// workers, each worker's kernels on `threadsPerWorker` OpenMP threads, with
/// jobs x workers x threads <= cores (never oversubscribed: on a busy core, a data-parallel
/// step waits for its slowest worker).
///
/// The defaults follow the measurements in docs/performance.md ("Scheduling"): independent
/// trials scale almost perfectly over cores, while splitting one Simple-CNN step over two
/// threads or workers gains far less at the batch sizes of a study, so a run fills the cores
/// with trials first, and gives a trial more than one thread only when there are fewer trials
/// left than cores.
struct Parallelism: Equatable, CustomStringConvertible {
  var jobs: Int
  var workers: Int
  var threadsPerWorker: Int

  /// Chooses what the user did not: `jobs` and `workers` from the flags or the workload's
  /// `execution` section (nil = choose), for `trials` trials to run on `cores` cores.
  static func choose(jobs: Int?, workers: Int?, cores: Int, trials: Int) throws -> Parallelism {
    let cores = max(1, cores)
    if let jobs, jobs < 1 { throw ParallelismError("--jobs must be at least 1") }
    if let workers, workers < 1 { throw ParallelismError("--workers must be at least 1") }
    let w = workers ?? 1
    let j = jobs ?? max(1, min(cores / w, max(trials, 1)))
    guard j * w <= cores else {
      throw ParallelismError(
        "\(j) jobs x \(w) workers need \(j * w) cores but this machine has \(cores); "
          + "lower --jobs or --workers (a busy core slows every worker of a data-parallel step)")
    }
    return Parallelism(jobs: j, workers: w, threadsPerWorker: max(1, cores / (j * w)))
  }

  var description: String {
    "\(jobs) job\(jobs == 1 ? "" : "s") x \(workers) worker\(workers == 1 ? "" : "s") x "
      + "\(threadsPerWorker) thread\(threadsPerWorker == 1 ? "" : "s")"
  }
}

struct ParallelismError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
