import WorkloadModel

/// The points a study's trials take, as the workload's `sequence` names them: trial i gets
/// point i (after Sobol's `skip`), whatever the trial count, so raising it only appends trials.
public struct QuasiRandomPoints: Sendable {
  enum Generator: Sendable {
    case sobol(SobolSequence, skip: Int)
    case halton(ScrambledHaltonSequence)
    /// No searched metaparameter: every trial has the empty point.
    case none
  }

  let generator: Generator

  /// The most dimensions a sequence supports (the plan compiler diagnoses more).
  public static func maxDimensions(_ spec: SequenceSpec) -> Int {
    switch spec {
    case .sobol: return SobolSequence.maxDimensions
    case .scrambledHalton: return ScrambledHaltonSequence.maxDimensions
    }
  }

  /// - Precondition: `dimensions <= maxDimensions(spec)`.
  public init(_ spec: SequenceSpec, dimensions: Int) {
    if dimensions == 0 {
      generator = .none
      return
    }
    switch spec {
    case .sobol(let skip):
      generator = .sobol(SobolSequence(dimensions: dimensions), skip: skip)
    case .scrambledHalton(let seed):
      generator = .halton(ScrambledHaltonSequence(dimensions: dimensions, seed: seed))
    }
  }

  /// Trial `index`'s point in [0, 1)^dimensions.
  public func point(trial index: Int) -> [Double] {
    switch generator {
    case .sobol(let sequence, let skip): return sequence.point(index + skip)
    case .halton(let sequence): return sequence.point(index)
    case .none: return []
    }
  }
}
