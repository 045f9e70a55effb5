import Network
import Primitives
import Pruning

/// The exact engine's gradient and H v against central differences of its own Double loss and
/// gradient: the checks every network shape of the engine goes through.
enum CentralDifferenceChecks {
  /// Relative error of the analytic gradient against (L(θ + h e_i) − L(θ − h e_i)) / 2h, h = 1e-6.
  static func gradientError(_ model: SequentialModel, seed: UInt64) throws -> Double {
    let batch = TinyNetworks.batch(count: 5, seed: seed + 100)
    let theta = model.parameters.map(Double.init)
    let analytic = try model.evaluate(
      parameters: theta, direction: nil, batch: batch, temperature: 1.5
    ).gradient
    let h = 1e-6
    var numeric = [Double](repeating: 0, count: theta.count)
    for index in theta.indices {
      var plus = theta
      var minus = theta
      plus[index] += h
      minus[index] -= h
      let up = try model.evaluate(parameters: plus, direction: nil, batch: batch, temperature: 1.5)
      let down = try model.evaluate(
        parameters: minus, direction: nil, batch: batch, temperature: 1.5)
      numeric[index] = (up.loss - down.loss) / (2 * h)
    }
    return TinyNetworks.relativeError(analytic, numeric)
  }

  /// The exact H v along a random direction, and its relative error against
  /// (∇L(θ + hv) − ∇L(θ − hv)) / 2h, h = 1e-5.
  static func hessianVectorProductError(_ model: SequentialModel, seed: UInt64) throws
    -> (product: [Double], error: Double)
  {
    let batch = TinyNetworks.batch(count: 6, seed: seed + 100)
    let theta = model.parameters.map(Double.init)
    var generator = SplitMix64(seed: seed + 200)
    let direction = theta.map { _ in TinyNetworks.uniform(&generator) }
    guard
      let exact = try model.evaluate(
        parameters: theta, direction: direction, batch: batch, temperature: 2
      ).product
    else { return ([], .infinity) }
    let h = 1e-5
    let plus = zip(theta, direction).map { $0 + h * $1 }
    let minus = zip(theta, direction).map { $0 - h * $1 }
    let up = try model.evaluate(parameters: plus, direction: nil, batch: batch, temperature: 2)
    let down = try model.evaluate(parameters: minus, direction: nil, batch: batch, temperature: 2)
    let numeric = zip(up.gradient, down.gradient).map { ($0 - $1) / (2 * h) }
    return (exact, TinyNetworks.relativeError(exact, numeric))
  }
}
