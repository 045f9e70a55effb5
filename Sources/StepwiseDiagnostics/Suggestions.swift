/// "Did you mean" suggestions: the closest known word by edit distance, if it is close enough
/// to be a likely typo rather than a different word.
public enum Suggestions {
  /// The candidate closest to `word`, or nil when none is within a third of the word's length
  /// (at least 1, at most 3 edits). Case, `-` and `_` differences count as a perfect match, so
  /// `learning-rate` suggests `learning_rate`.
  public static func closest(to word: String, in candidates: [String]) -> String? {
    let normalizedWord = normalize(word)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates where candidate != word {
      let distance =
        normalize(candidate) == normalizedWord
        ? 0 : editDistance(Array(word.lowercased()), Array(candidate.lowercased()))
      if best == nil || distance < best?.distance ?? Int.max {
        best = (candidate, distance)
      }
    }
    guard let best else { return nil }
    let allowed = min(3, max(1, word.count / 3))
    return best.distance <= allowed ? best.candidate : nil
  }

  /// "did you mean 'x'? expected one of: a, b, c" or just the list when nothing is close.
  public static func help(for word: String, in candidates: [String]) -> String {
    let list = "expected one of: " + candidates.joined(separator: ", ")
    if let match = closest(to: word, in: candidates) {
      return "did you mean '\(match)'? \(list)"
    }
    return list
  }

  /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
  /// transpositions each cost 1 (a swapped pair of letters is the commonest typo).
  public static func editDistance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          value = min(value, previous2[j - 2] + 1)
        }
        current[j] = value
      }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }

  private static func normalize(_ s: String) -> String {
    String(s.lowercased().filter { $0 != "-" && $0 != "_" })
  }
}
