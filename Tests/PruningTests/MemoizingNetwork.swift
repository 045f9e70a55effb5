import Primitives
import Pruning

/// Forwards to a network and remembers each gradient and Hessian-vector product by a digest of
/// its inputs, so that several masks over the same sample (GraSP at 50% and 90%) pay for H g
/// once, and a test can read the product GraSP used.
final class MemoizingNetwork<Base: HessianVectorNetwork>: HessianVectorNetwork {
  let base: Base
  private var gradients: [UInt64: (loss: Double, value: [Double])] = [:]
  private var products: [UInt64: [Double]] = [:]
  /// The sum of every product requested so far, counting repeats once: for one GraSP mask,
  /// H g over the whole sample.
  private(set) var productSum: [Double]

  init(_ base: Base) {
    self.base = base
    productSum = [Double](repeating: 0, count: base.parameterCount)
  }

  var tensors: [ParameterTensor] { base.tensors }
  var parameters: [Float] { base.parameters }
  var preferredBatchSize: Int { base.preferredBatchSize }

  func accumulateGradient(
    at parameters: [Float], batch: PruningBatch, temperature: Double, scale: Double,
    into gradient: inout [Double]
  ) throws -> Double {
    let key = Self.key(parameters, nil, batch, temperature)
    let (loss, value): (Double, [Double])
    if let known = gradients[key] {
      (loss, value) = known
    } else {
      var fresh = [Double](repeating: 0, count: gradient.count)
      loss = try base.accumulateGradient(
        at: parameters, batch: batch, temperature: temperature, scale: 1, into: &fresh)
      value = fresh
      gradients[key] = (loss, value)
    }
    for index in gradient.indices { gradient[index] += scale * value[index] }
    return loss
  }

  func accumulateHessianVectorProduct(
    at parameters: [Float], direction: [Double], batch: PruningBatch, temperature: Double,
    scale: Double, into product: inout [Double]
  ) throws {
    let key = Self.key(parameters, direction, batch, temperature)
    let value: [Double]
    if let known = products[key] {
      value = known
    } else {
      var fresh = [Double](repeating: 0, count: product.count)
      try base.accumulateHessianVectorProduct(
        at: parameters, direction: direction, batch: batch, temperature: temperature, scale: 1,
        into: &fresh)
      value = fresh
      products[key] = value
      for index in value.indices { productSum[index] += value[index] }
    }
    for index in product.indices { product[index] += scale * value[index] }
  }

  private static func key(
    _ parameters: [Float], _ direction: [Double]?, _ batch: PruningBatch, _ temperature: Double
  ) -> UInt64 {
    var hash = FNV1a()
    for value in parameters { hash.combine(UInt64(value.bitPattern)) }
    for value in direction ?? [] { hash.combine(value.bitPattern) }
    hash.combine(UInt64(direction == nil ? 0 : 1))
    for value in batch.images { hash.combine(UInt64(value.bitPattern)) }
    for label in batch.labels { hash.combine(UInt64(label)) }
    hash.combine(temperature.bitPattern)
    return hash.value
  }
}
