/// One Lipschitz-smoothness estimate (Lee et al. 2021, `edps/check.py`).
public struct LipschitzMeasurement: Hashable, Sendable, Codable {
  /// Updates applied at w_cur (w_prev is one update earlier).
  public var step: Int
  /// max over gamma of `perGamma`.
  public var estimate: Double
  /// ||grad(w_prev + gamma Delta) - grad(w_prev)|| / ||gamma Delta||, one per gamma, in order.
  public var perGamma: [Double]
  public var gammas: [Double]
  /// ||grad(w_prev)|| and ||Delta|| over the masked-trainable parameters.
  public var gradientNorm: Double
  public var stepNorm: Double
  /// Examples in each full-split gradient.
  public var examples: Int
  /// Wall-clock seconds of the probe (all its gradients).
  public var seconds: Double

  public init(
    step: Int, perGamma: [Double], gammas: [Double], gradientNorm: Double, stepNorm: Double,
    examples: Int, seconds: Double
  ) {
    self.step = step
    self.estimate = perGamma.max() ?? .nan
    self.perGamma = perGamma
    self.gammas = gammas
    self.gradientNorm = gradientNorm
    self.stepNorm = stepNorm
    self.examples = examples
    self.seconds = seconds
  }
}

/// One gradient-noise-scale estimate (McCandlish et al. 2018, appendix A).
public struct NoiseScaleMeasurement: Hashable, Sendable, Codable {
  /// Updates applied when it was taken (0: at initialisation).
  public var step: Int
  public var estimate: NoiseScaleEstimate
  public var seconds: Double

  public init(step: Int, estimate: NoiseScaleEstimate, seconds: Double) {
    self.step = step
    self.estimate = estimate
    self.seconds = seconds
  }
}

/// What a probe reports to the trial's monitor.
public enum ProbeMeasurement: Hashable, Sendable, Codable {
  case lipschitz(LipschitzMeasurement)
  case noiseScale(NoiseScaleMeasurement)

  public var step: Int {
    switch self {
    case .lipschitz(let m): return m.step
    case .noiseScale(let m): return m.step
    }
  }
}
