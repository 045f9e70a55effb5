import Network
import Primitives

/// Uniform random survivors with an exact count.
///
/// A partial Fisher-Yates shuffle driven by `SplitMix64`, so the same seed gives the same mask on
/// every machine. Not from Lee et al. (their code has no random baseline): a project definition.
enum RandomSelection {
  /// `k` of `candidates`, each subset of size k equally likely, in ascending order.
  static func choose(_ k: Int, from candidates: [Int], using generator: inout SplitMix64) -> [Int] {
    var pool = candidates
    let k = min(max(k, 0), pool.count)
    for position in 0..<k {
      let pick = position + generator.nextIndex(below: pool.count - position)
      pool.swapAt(position, pick)
    }
    return pool[0..<k].sorted()
  }
}
