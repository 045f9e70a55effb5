/// Lee et al.'s local Lipschitz estimate of the gradient along one optimizer update
/// (`edps/check.py`): with Delta = w_cur - w_prev,
///   L = max over gamma of ||grad(w_prev + gamma Delta) - grad(w_prev)|| / ||gamma Delta||,
/// norms over the masked-trainable parameters (pruned entries have gradient 0 and move 0).
///
/// The gradient is any function of the parameters (`gradient` evaluates it at whatever the
/// parameter buffer holds), so the same code serves a model's full-split gradient and a test's
/// quadratic. For a quadratic loss 1/2 w'Aw the ratio is ||A Delta|| / ||Delta|| at every gamma,
/// the curvature along the step (the top eigenvalue when Delta is its eigenvector).
public enum LipschitzEstimator {
  /// Evaluates the ratios at each gamma and leaves `parameters` holding w_cur again, bit for bit
  /// (also when `gradient` throws).
  ///
  /// - Parameters:
  ///   - parameters: the live buffer the gradient reads; w_cur on entry and on return.
  ///   - previous: w_prev; `previousGradient`: grad(w_prev), as `gradient` returns it.
  ///   - scratch: `count` floats to keep w_cur in.
  /// - Returns: the ratio per gamma and ||Delta||. A zero Delta gives NaN ratios.
  public static func ratios(
    parameters: UnsafeMutablePointer<Float>, previous: UnsafePointer<Float>,
    previousGradient: UnsafePointer<Float>, mask: UnsafePointer<Float>?, count: Int,
    scratch: UnsafeMutablePointer<Float>, gammas: [Double],
    gradient: () throws -> UnsafePointer<Float>
  ) rethrows -> (perGamma: [Double], stepNorm: Double) {
    scratch.update(from: parameters, count: count)
    defer { parameters.update(from: scratch, count: count) }
    let stepNorm = ProbeVector.squaredDistance(scratch, previous, mask: mask, count: count)
      .squareRoot()
    var perGamma: [Double] = []
    perGamma.reserveCapacity(gammas.count)
    for gamma in gammas {
      for i in 0..<count {
        let from = Double(previous[i])
        parameters[i] = Float(from + gamma * (Double(scratch[i]) - from))
      }
      let g = try gradient()
      let change = ProbeVector.squaredDistance(g, previousGradient, mask: mask, count: count)
        .squareRoot()
      perGamma.append(stepNorm > 0 ? change / (gamma * stepNorm) : .nan)
    }
    return (perGamma, stepNorm)
  }
}
