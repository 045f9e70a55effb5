#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// This process's resource use (`getrusage`), for the benchmarks: CPU time counts only the
/// cycles this process got, so a rate per CPU second holds on a machine shared with other work.
public enum ProcessUsage {
  private static func usage() -> rusage {
    var usage = rusage()
    #if canImport(Glibc)
      getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
      getrusage(RUSAGE_SELF, &usage)
    #endif
    return usage
  }

  /// User plus system CPU seconds of this process so far (all its threads).
  public static func cpuSeconds() -> Double {
    let now = usage()
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(now.ru_utime) + seconds(now.ru_stime)
  }

  /// Peak resident set size of this process so far (`ru_maxrss`, KiB on Linux).
  public static func peakRSSBytes() -> Int {
    Int(usage().ru_maxrss) * 1024
  }
}
