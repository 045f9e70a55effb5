import Foundation
import Testing
import WorkloadModel

@testable import Planning

struct SearchSpaceMappingTests {
  let learningRate = SearchDimension.continuous(min: 1e-4, max: 1, scale: .log)
  let momentum = SearchDimension.continuous(min: 0.9, max: 0.9999, scale: .reverseLog)

  @Test func boundaries() {
    // The largest coordinate a 30-bit Sobol point can have.
    let below1 = 1 - 1.0 / Double(1 << 30)
    #expect(SearchSpaceMapping.value(.continuous(min: 2, max: 6, scale: .linear), at: 0) == 2)
    #expect(SearchSpaceMapping.value(.continuous(min: 2, max: 6, scale: .linear), at: 0.5) == 4)
    #expect(SearchSpaceMapping.value(.continuous(min: 2, max: 6, scale: .linear), at: below1) < 6)
    #expect(SearchSpaceMapping.value(learningRate, at: 0) == 1e-4)
    #expect(SearchSpaceMapping.value(learningRate, at: below1) < 1)
    #expect(SearchSpaceMapping.value(learningRate, at: below1) > 0.99999997)
    // Reverse-log: u = 0 gives the maximum, u -> 1 the minimum.
    #expect(SearchSpaceMapping.value(momentum, at: 0) == 0.9999)
    #expect(SearchSpaceMapping.value(momentum, at: below1) > 0.9)
    #expect(SearchSpaceMapping.value(momentum, at: below1) < 0.9000001)
    let decay = SearchDimension.integer(min: 30000, max: 60000, scale: .linear)
    #expect(SearchSpaceMapping.value(decay, at: 0) == 30000)
    #expect(SearchSpaceMapping.value(decay, at: 0.5) == 45000)
    #expect(SearchSpaceMapping.value(decay, at: 0.99999) == 59999)  // int() truncates
    #expect(SearchSpaceMapping.value(decay, at: below1) == 59999)
    let choices = SearchDimension.discrete([0, 0.01, 0.1])
    #expect(SearchSpaceMapping.value(choices, at: 0) == 0)
    #expect(SearchSpaceMapping.value(choices, at: 0.3333) == 0)
    #expect(SearchSpaceMapping.value(choices, at: 1.0 / 3) == 0.01)
    #expect(SearchSpaceMapping.value(choices, at: below1) == 0.1)
  }

  /// science.md section 3.1: eta and gamma of Lee et al.'s first 8 trials.
  @Test func leeEtAlReferenceValues() {
    let points = QuasiRandomPoints(.sobol(skip: 1), dimensions: 2)
    let eta = [1e-2, 1e-1, 1e-3, 3.16e-3, 3.16e-1, 3.16e-2, 3.16e-4, 5.62e-4]
    let gamma = [0.996838, 0.999438, 0.982217, 0.998666, 0.957830, 0.999763, 0.992501, 0.999134]
    for i in 0..<8 {
      let u = points.point(trial: i)
      let lr = SearchSpaceMapping.value(learningRate, at: u[0])
      let m = SearchSpaceMapping.value(momentum, at: u[1])
      #expect(abs(lr - eta[i]) / eta[i] < 2e-3, "trial \(i): \(lr)")
      #expect(abs(m - gamma[i]) < 1e-6, "trial \(i): \(m)")
      // Exact forms: eta = 10^(-4 + 4u), 1 - gamma = 10^(-4 + 3u).
      #expect(abs(lr - pow(10, -4 + 4 * u[0])) <= 1e-11 * lr)
      #expect(abs((1 - m) - pow(10, -4 + 3 * u[1])) <= 1e-11)
    }
    #expect(SearchSpaceMapping.value(learningRate, at: 0.5) == 0.01)
  }

  /// Over 100 trials eta spans 1.15e-4 ... 0.931 and gamma 0.90525 ... 0.999889 (science.md 3.1).
  @Test func leeEtAlRangesOver100Trials() {
    let points = QuasiRandomPoints(.sobol(skip: 1), dimensions: 2)
    let values = (0..<100).map { points.point(trial: $0) }
    let lrs = values.map { SearchSpaceMapping.value(learningRate, at: $0[0]) }
    let ms = values.map { SearchSpaceMapping.value(momentum, at: $0[1]) }
    #expect(abs((lrs.min() ?? 0) - 1.15e-4) < 0.005e-4)
    #expect(abs((lrs.max() ?? 0) - 0.931) < 0.0005)
    #expect(abs((ms.min() ?? 0) - 0.90525) < 0.000005)
    #expect(abs((ms.max() ?? 0) - 0.999889) < 0.0000005)
  }

  @Test func portableRoundingKeepsTwelveDigits() {
    #expect(SearchSpaceMapping.portable(0.1 + 0.2) == 0.3)
    #expect(SearchSpaceMapping.portable(3.16227766016838) == 3.16227766017)
    #expect(SearchSpaceMapping.portable(0) == 0)
  }
}
