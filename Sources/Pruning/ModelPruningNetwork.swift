import Network

/// Network's `Model` as a `PruningNetwork`: gradients through the fast kernels (SNIP streams the
/// whole split through these), and the exact Hessian-vector product through a `SequentialModel`
/// built from the same description (GraSP's hundred examples).
///
/// The scored parameters are the model's at construction (its initialisation). Each call writes
/// the requested parameters into the store, runs `Model.trainStep`, and writes the initialisation
/// back, so the model is unchanged afterwards except for its gradient buffer.
///
/// A temperature T is applied by scaling the last dense layer by 1/T (logits / T = (W/T) h + b/T)
/// and that layer's gradient by 1/T; models that do not end in a dense layer support only T = 1.
public final class ModelPruningNetwork: HessianVectorNetwork {
  public let model: Model
  public let tensors: [ParameterTensor]
  public let parameters: [Float]
  /// The exact engine, or why there is none.
  private let exact: Result<SequentialModel, PruningError>
  /// Flat range of the logits layer's weight and bias, for the temperature.
  private let logitsRange: Range<Int>?

  public init(model: Model) {
    self.model = model
    let slices = model.store.slices
    tensors = slices.map {
      ParameterTensor(
        name: $0.name, role: $0.kind == .weight ? .weight : .bias, offset: $0.offset,
        shape: $0.shape)
    }
    parameters = model.store.parameterArray()
    let description = model.modelDescription
    if case .dense(_, let bias) = description.layers.last, let last = slices.last {
      let weight = bias && slices.count >= 2 ? slices[slices.count - 2] : last
      logitsRange = weight.offset..<(last.offset + last.count)
    } else {
      logitsRange = nil
    }
    let tensors = tensors
    exact = Result {
      try ModelPruningNetwork.sequentialModel(
        description, tensors: tensors, parameters: model.store.parameterArray())
    }.mapError { $0 as? PruningError ?? .invalidModel("\($0)") }
  }

  /// The model's micro-batch size: larger calls are split by `Model.trainStep` anyway.
  public var preferredBatchSize: Int { model.maxBatch }

  public func accumulateGradient(
    at parameters: [Float], batch: PruningBatch, temperature: Double, scale: Double,
    into gradient: inout [Double]
  ) throws -> Double {
    let store = model.store
    guard parameters.count == store.count, gradient.count == store.count else {
      throw PruningError.invalidModel(
        "buffers of \(parameters.count) for a store of \(store.count)")
    }
    var theta = parameters
    let logits = temperature == 1 ? nil : logitsRange
    if temperature != 1 {
      guard let logits else {
        throw PruningError.unsupported("a temperature needs a model that ends in a dense layer")
      }
      for index in logits { theta[index] = Float(Double(theta[index]) / temperature) }
    }
    store.setParameters(theta)
    defer { store.setParameters(self.parameters) }
    let labels = batch.labels.map { Int32(truncatingIfNeeded: $0) }
    let loss = try batch.images.withUnsafeBufferPointer { images in
      try labels.withUnsafeBufferPointer { labels in
        guard let x = images.baseAddress, let y = labels.baseAddress else { return Float.nan }
        return try model.trainStep(input: x, labels: y, count: batch.count).loss
      }
    }
    let g = store.gradients
    for index in 0..<store.count { gradient[index] += scale * Double(g[index]) }
    if let logits {
      // d(logits/T)/dW = (1/T) d logits'/dW' at W' = W/T.
      for index in logits { gradient[index] -= scale * Double(g[index]) * (1 - 1 / temperature) }
    }
    return Double(loss)
  }

  public func accumulateHessianVectorProduct(
    at parameters: [Float], direction: [Double], batch: PruningBatch, temperature: Double,
    scale: Double, into product: inout [Double]
  ) throws {
    try exact.get().accumulateHessianVectorProduct(
      at: parameters, direction: direction, batch: batch, temperature: temperature,
      scale: scale, into: &product)
  }

  /// The exact engine's view of a model description: every `NetworkLayer` (convolutions VALID or
  /// TensorFlow SAME at any stride, ReLU, max and average pools, global average pool, flatten,
  /// dense, residual blocks), with tensors taken in store order (depth first into residual
  /// bodies, as `Model.build` names them).
  static func sequentialModel(
    _ description: ModelDescription, tensors: [ParameterTensor], parameters: [Float]
  ) throws -> SequentialModel {
    var next = 0
    func take(_ present: Bool) -> Int? {
      guard present else { return nil }
      next += 1
      return next - 1
    }
    func map(_ specs: [NetworkLayer]) -> [SequentialModel.Layer] {
      specs.compactMap { spec -> SequentialModel.Layer? in
        switch spec {
        case .conv2d(_, _, let stride, let padding, let bias):
          let weight = next
          next += 1
          return .convolution(
            weight: weight, bias: take(bias), stride: stride,
            padding: padding == .valid ? 0 : .same)
        case .relu: return .relu
        case .maxPool(let window, let stride): return .maxPool(window: window, stride: stride)
        case .avgPool(let window, let stride): return .averagePool(window: window, stride: stride)
        case .globalAvgPool: return .globalAveragePool
        case .flatten: return nil
        case .dense(_, let bias):
          let weight = next
          next += 1
          return .dense(weight: weight, bias: take(bias))
        case .residual(let body): return .residual(body: map(body))
        }
      }
    }
    let layers = map(description.layers)
    guard next == tensors.count else {
      throw PruningError.invalidModel(
        "\(description.name) declares \(next) tensors but the store holds \(tensors.count)")
    }
    let input = description.input
    return try SequentialModel(
      tensors: tensors, layers: layers, inputShape: (input.channels, input.height, input.width),
      parameters: parameters)
  }
}

extension PruningResult {
  /// Installs the mask in `store`: pruned parameters, their gradients and momentum become zero,
  /// and `SGD.step` keeps them there (gradient and parameters multiplied by the mask each step).
  public func apply(to store: ParameterStore) {
    precondition(mask.count == store.count, "mask of \(mask.count) for a store of \(store.count)")
    mask.withUnsafeBufferPointer { store.setMask($0) }
  }
}
