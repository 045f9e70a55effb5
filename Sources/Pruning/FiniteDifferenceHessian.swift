/// H v by a central difference of gradients, for networks without an exact product.
///
/// H v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε with ε = relativeStep · ‖θ‖ / ‖v‖, so the perturbation
/// is a fixed fraction of the parameters' size whatever the scale of v (GraSP's g is tiny at
/// T = 200). On smooth networks the error is O(ε²) truncation plus rounding of θ ± εv to Float
/// and of the Float gradients, of order ulp / ε; the default step balances the two (measured
/// relative error about 3e-6 against the exact product in `Double`, bounded at 3e-5 in
/// `GraSPTests`). On ReLU and max-pool networks at initialisation it is not reliable: units at or
/// near a kink change state under the perturbation, so the error does not shrink with ε
/// (measured on Simple-CNN against PyTorch's double backward: 32% to 1,760% relative error for
/// relative steps 1e-1 to 1e-5, mask agreement at 90% sparsity 86% to 97%).
public enum FiniteDifferenceHessian {
  /// The default relative step: large enough that Float gradients differ by many ulps.
  public static let defaultRelativeStep = 3e-3

  /// Adds H v over all `chunks` (the sum of each chunk's mean-loss Hessian times v) into
  /// `product`.
  public static func accumulate(
    network: some PruningNetwork, at parameters: [Float], direction: [Double],
    chunks: [PruningBatch], temperature: Double, relativeStep: Double,
    into product: inout [Double]
  ) throws {
    let thetaNorm = parameters.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    let directionNorm = direction.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
    guard directionNorm > 0 else { return }
    let step = relativeStep * max(thetaNorm, 1) / directionNorm
    var plus = parameters
    var minus = parameters
    for index in parameters.indices where direction[index] != 0 {
      plus[index] = Float(Double(parameters[index]) + step * direction[index])
      minus[index] = Float(Double(parameters[index]) - step * direction[index])
    }
    for chunk in chunks {
      _ = try network.accumulateGradient(
        at: plus, batch: chunk, temperature: temperature, scale: 1 / (2 * step), into: &product)
      _ = try network.accumulateGradient(
        at: minus, batch: chunk, temperature: temperature, scale: -1 / (2 * step),
        into: &product)
    }
  }
}
