/// Choosing survivors from scores, with a tie-breaking rule that does not depend on the sort.
///
/// Ranking is by score descending, then by flat index ascending: among equal scores the entry
/// earlier in the parameter buffer survives. This is the rule of `tf.nn.top_k` ("the lower-index
/// element appears first"), which Lee et al.'s SNIP code uses on the concatenated scores, and it
/// makes a mask a pure function of its scores. NaN scores rank below every number.
public enum TopKSelection {
  /// Survivors κ = round(total * (1 - sparsity)), half to even (Python's and NumPy's `round`).
  public static func keptCount(of total: Int, sparsity: Double) -> Int {
    let kept = (Double(total) * (1 - sparsity)).rounded(.toNearestOrEven)
    return min(max(Int(kept), 0), total)
  }

  /// GraSP's removal count k = int(total * sparsity), truncated as the official code does.
  public static func removedCount(of total: Int, sparsity: Double) -> Int {
    min(max(Int(Double(total) * sparsity), 0), total)
  }

  /// The `k` candidates with the largest scores, in rank order.
  public static func largest(_ k: Int, of scores: [Double], among candidates: [Int]) -> [Int] {
    guard k > 0 else { return [] }
    return Array(ranked(candidates, by: scores).prefix(k))
  }

  /// The official GraSP rule: with t the k-th largest score, keep every candidate whose score is
  /// at most t. Ties with t are kept, so more than `count - k` may survive; k = 0 keeps all.
  public static func keepingAtMostKthLargest(
    removing k: Int, of scores: [Double], among candidates: [Int]
  ) -> [Int] {
    guard k > 0, let threshold = ranked(candidates, by: scores).prefix(k).last.map({ scores[$0] })
    else { return candidates }
    return candidates.filter { scores[$0] <= threshold }
  }

  /// Candidates sorted by score descending, then index ascending.
  public static func ranked(_ candidates: [Int], by scores: [Double]) -> [Int] {
    candidates.sorted { left, right in
      let a = scores[left].isNaN ? -Double.infinity : scores[left]
      let b = scores[right].isNaN ? -Double.infinity : scores[right]
      return a != b ? a > b : left < right
    }
  }
}
