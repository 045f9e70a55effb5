#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Wall-clock totals per phase of a training step (convolution primitives, reorders, pooling,
/// loss, optimizer...), for finding where a step's time goes without `perf`.
///
/// Off unless the environment variable `STEPWISE_PROFILE` is set (to anything but `0`) when the
/// process starts; when off, `measure` is one predictable branch and builds no label. When on,
/// it is meant for one thread (the benchmark): the totals are plain unsynchronised globals.
public enum StepProfiler {
  public static let isEnabled: Bool = {
    guard let value = getenv("STEPWISE_PROFILE") else { return false }
    return String(cString: value) != "0"
  }()

  nonisolated(unsafe) private static var totals:
    [String: (nanoseconds: UInt64, cpuNanoseconds: UInt64, calls: Int)] = [:]
  nonisolated(unsafe) private static var order: [String] = []

  /// Runs `body`, adding its duration to `label`'s total when profiling is on.
  @inline(__always)
  public static func measure<T>(
    _ label: @autoclosure () -> String, _ body: () throws -> T
  ) rethrows -> T {
    guard isEnabled else { return try body() }
    let start = nanoseconds(CLOCK_MONOTONIC)
    let cpuStart = nanoseconds(CLOCK_THREAD_CPUTIME_ID)
    let result = try body()
    record(
      label(), nanoseconds(CLOCK_MONOTONIC) - start,
      nanoseconds(CLOCK_THREAD_CPUTIME_ID) - cpuStart)
    return result
  }

  /// Forgets all totals (call after warm-up).
  public static func reset() {
    totals = [:]
    order = []
  }

  /// Totals in first-seen order: label, wall seconds, CPU seconds of the calling thread (with one
  /// kernel thread, a load-independent measure of the work), number of calls.
  public static func report() -> [(label: String, seconds: Double, cpuSeconds: Double, calls: Int)]
  {
    order.map { label in
      let t = totals[label] ?? (0, 0, 0)
      return (label, Double(t.nanoseconds) * 1e-9, Double(t.cpuNanoseconds) * 1e-9, t.calls)
    }
  }

  private static func record(_ label: String, _ wall: UInt64, _ cpu: UInt64) {
    if let t = totals[label] {
      totals[label] = (t.nanoseconds + wall, t.cpuNanoseconds + cpu, t.calls + 1)
    } else {
      totals[label] = (wall, cpu, 1)
      order.append(label)
    }
  }

  private static func nanoseconds(_ clock: clockid_t) -> UInt64 {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
  }
}
