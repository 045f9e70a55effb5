internal import CDNNL

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How many threads oneDNN's OpenMP pool uses for the calling thread.
///
/// OpenMP keeps the thread count (`nthreads-var`) per OS thread: `omp_set_num_threads` on one
/// thread does not change another's. oneDNN's convolutions and `dnnl_sgemm` open their parallel
/// regions on the calling thread, so a model sets its count at the start of every call
/// (`Model.trainStep`, `Model.evaluate`) rather than once: Swift tasks may hop between threads.
///
/// Concurrent trials: each trial's calls open their own OpenMP team, so `k` trials running at once
/// with `t` threads each use `k * t` OS threads. Keep `k * t` at most the number of cores
/// (on this 2-vCPU machine: one trial with 2 threads, or two trials with 1 thread each), or the
/// teams time-slice and every trial slows down. Nothing here enforces it: the scheduler decides.
public enum KernelThreads {
  private typealias SetFn = @convention(c) (Int32) -> Void
  private typealias GetFn = @convention(c) () -> Int32

  /// Resolved once from the libgomp that libdnnl loaded; `nil` if absent (then no-ops).
  private static let setFn: SetFn? = lookUp("omp_set_num_threads", as: SetFn.self)
  private static let getFn: GetFn? = lookUp("omp_get_max_threads", as: GetFn.self)

  private static func lookUp<F>(_ name: String, as type: F.Type) -> F? {
    guard let handle = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD) ?? dlopen(nil, RTLD_NOW),
      let sym = dlsym(handle, name)
    else { return nil }
    return unsafeBitCast(sym, to: type)
  }

  private typealias Task = @convention(c) (UnsafeMutableRawPointer?) -> Void
  private typealias ParallelFn =
    @convention(c) (Task, UnsafeMutableRawPointer?, UInt32, UInt32)
    -> Void
  /// libgomp's entry point for `#pragma omp parallel` (fn, data, num_threads, flags): the pool
  /// oneDNN uses, so Swift loops split across it never compete with oneDNN for the cores.
  private static let parallelFn: ParallelFn? = lookUp("GOMP_parallel", as: ParallelFn.self)
  private static let threadNumFn: GetFn? = lookUp("omp_get_thread_num", as: GetFn.self)

  /// What one `parallelFor` hands to each OpenMP thread.
  private struct ParallelJob {
    var count: Int
    var parts: Int
    var body: (Range<Int>) -> Void
  }

  /// Runs `body` over `0..<count` split into contiguous ranges, one per thread of the calling
  /// thread's OpenMP count (`set`), on oneDNN's OpenMP pool; returns when all are done. The
  /// split depends only on `count` and the thread count, so a body whose ranges write disjoint
  /// outputs gives the same bits on every run. With one thread, with `count < minimumPerThread *
  /// 2`, or without libgomp, runs `body(0..<count)` on the calling thread.
  public static func parallelFor(
    _ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void
  ) {
    let parts = min(current, count / max(minimumPerThread, 1))
    guard parts > 1, let parallelFn, threadNumFn != nil else {
      if count > 0 { body(0..<count) }
      return
    }
    withoutActuallyEscaping(body) { body in
      var job = ParallelJob(count: count, parts: parts, body: body)
      withUnsafeMutablePointer(to: &job) { pointer in
        parallelFn(
          { raw in
            guard let raw, let threadNum = KernelThreads.threadNumFn else { return }
            let job = raw.assumingMemoryBound(to: ParallelJob.self).pointee
            let part = Int(threadNum())
            guard part < job.parts else { return }
            let lower = job.count * part / job.parts
            let upper = job.count * (part + 1) / job.parts
            if lower < upper { job.body(lower..<upper) }
          }, UnsafeMutableRawPointer(pointer), UInt32(parts), 0)
      }
    }
  }

  /// Sets the OpenMP thread count for parallel regions started from the calling thread, and
  /// flushes denormals on it (see `flushDenormals`).
  public static func set(_ count: Int) {
    stepwise_flush_denormals()
    setFn?(Int32(max(1, count)))
  }

  /// Sets flush-to-zero and denormals-are-zero on the calling thread (x86 MXCSR). Training a
  /// network to a small loss produces denormal gradients, and denormal arithmetic is 10-100x
  /// slower on x86; TensorFlow, the reference implementation, flushes them on its CPU threads
  /// too. OpenMP workers inherit the mode when their pool is created by this thread, which is
  /// why `Model` calls this (through `set`) before its first kernel runs on a thread.
  public static func flushDenormals() {
    stepwise_flush_denormals()
  }

  /// The OpenMP thread count for the calling thread (1 if the runtime is not found).
  public static var current: Int {
    getFn.map { Int($0()) } ?? 1
  }
}
