import Pruning
import Testing

@Suite struct TopKSelectionTests {
  @Test(arguments: [
    (62_346, 0.9, 6_235), (62_346, 0.7, 18_704), (62_346, 0.5, 31_173), (62_346, 0.0, 62_346),
    (10, 1.0, 0), (5, 0.5, 2), (7, 0.5, 4),
  ])
  func keptCountRoundsHalfToEven(total: Int, sparsity: Double, kept: Int) {
    #expect(TopKSelection.keptCount(of: total, sparsity: sparsity) == kept)
  }

  @Test func tiesGoToTheLowerIndex() {
    let scores: [Double] = [1, 3, 2, 3, 2, 2, .nan, 0]
    let all = Array(scores.indices)
    // 3s by index, then 2s by index, then 1, then 0, then NaN last.
    #expect(TopKSelection.ranked(all, by: scores) == [1, 3, 2, 4, 5, 0, 7, 6])
    #expect(TopKSelection.largest(4, of: scores, among: all) == [1, 3, 2, 4])
    // The same scores presented in another candidate order give the same survivors.
    #expect(TopKSelection.largest(4, of: scores, among: all.reversed()) == [1, 3, 2, 4])
  }

  @Test func graspRuleKeepsTiesWithTheThreshold() {
    let scores: [Double] = [5, 4, 4, 1, 0]
    // Removing k = 2: the 2nd largest score is 4, so everything <= 4 stays, including both 4s.
    #expect(
      TopKSelection.keepingAtMostKthLargest(removing: 2, of: scores, among: [0, 1, 2, 3, 4])
        == [1, 2, 3, 4])
    #expect(
      TopKSelection.keepingAtMostKthLargest(removing: 0, of: scores, among: [0, 1, 2, 3, 4])
        == [0, 1, 2, 3, 4])
  }
}
