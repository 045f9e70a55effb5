/// The scores SNIP and GraSP rank, one per parameter (0 outside the prunable set).
enum SaliencyScores {
  /// SNIP's normalised connection sensitivity |θ_j g_j| / Σ_k |θ_k g_k| over the prunable set,
  /// with g the gradient of the loss on the configured examples.
  ///
  /// `.all` sums the gradients of each batch's mean loss and takes the absolute value after the
  /// sum (Lee et al.); `.count(n)` is the gradient of the mean loss over the first n examples (the
  /// original code's one minibatch); `.perClass(n)` the mean over GraSP's class-ordered sample.
  /// The normalisation does not change the ranking; it makes scores comparable across runs.
  static func snip(
    _ configuration: PruningConfiguration, network: some PruningNetwork,
    prunable: [ParameterTensor], data: some Sequence<PruningBatch>
  ) throws -> ([Double], Int) {
    let theta = network.parameters
    let temperature = configuration.temperature
    var gradient = [Double](repeating: 0, count: theta.count)
    var examples = 0
    switch configuration.examples {
    case .all:
      for batch in data {
        _ = try network.accumulateGradient(
          at: theta, batch: batch, temperature: temperature, scale: 1, into: &gradient)
        examples += batch.count
      }
    case .count(let count):
      for chunk in try ExampleSelection.first(count, from: data) {
        _ = try network.accumulateGradient(
          at: theta, batch: chunk, temperature: temperature,
          scale: Double(chunk.count) / Double(count), into: &gradient)
        examples += chunk.count
      }
    case .perClass(let count):
      let sample = try ExampleSelection.perClass(
        count, classes: configuration.classCount, from: data)
      _ = try network.accumulateGradient(
        at: theta, batch: sample, temperature: temperature, scale: 1, into: &gradient)
      examples = sample.count
    }
    guard examples > 0 else { throw PruningError.notEnoughData(needed: "one batch", got: 0) }
    var scores = [Double](repeating: 0, count: theta.count)
    var total = 0.0
    for tensor in prunable {
      for index in tensor.range {
        scores[index] = abs(Double(theta[index]) * gradient[index])
        total += scores[index]
      }
    }
    if total > 0 {
      for index in scores.indices { scores[index] /= total }
    }
    return (scores, examples)
  }

  /// GraSP's score −θ ⊙ (H g), divided by |Σ scores| + 1e-10, over the prunable set.
  ///
  /// As in the official code: the sample is split into two halves; g is the sum of the halves'
  /// mean-loss gradients, restricted to the prunable set; H g is the sum of each half's Hessian
  /// times g; logits are divided by the temperature throughout.
  static func grasp(
    _ configuration: PruningConfiguration, network: some PruningNetwork,
    prunable: [ParameterTensor], data: some Sequence<PruningBatch>
  ) throws -> ([Double], Int) {
    let sample: PruningBatch
    switch configuration.examples {
    case .perClass(let count):
      sample = try ExampleSelection.perClass(count, classes: configuration.classCount, from: data)
    case .count(let count):
      guard let joined = PruningBatch.concatenate(try ExampleSelection.first(count, from: data))
      else { throw PruningError.notEnoughData(needed: "\(count) examples", got: 0) }
      sample = joined
    case .all:
      throw PruningError.unsupported(
        "GraSP holds its sample in memory: give it examples per class or a count, not the split")
    }
    guard sample.count >= 2 else {
      throw PruningError.notEnoughData(needed: "two examples", got: sample.count)
    }
    let half = sample.count / 2
    let chunks = [sample.slice(0..<half), sample.slice(half..<sample.count)]
    let theta = network.parameters
    let temperature = configuration.temperature
    var gradient = [Double](repeating: 0, count: theta.count)
    for chunk in chunks {
      _ = try network.accumulateGradient(
        at: theta, batch: chunk, temperature: temperature, scale: 1, into: &gradient)
    }
    var direction = [Double](repeating: 0, count: theta.count)
    for tensor in prunable {
      for index in tensor.range { direction[index] = gradient[index] }
    }
    var product = [Double](repeating: 0, count: theta.count)
    switch configuration.hessianProduct {
    case .exact:
      guard let exact = network as? any HessianVectorNetwork else {
        throw PruningError.unsupported(
          "this network has no exact Hessian-vector product; choose the finite difference")
      }
      for chunk in chunks {
        try exact.accumulateHessianVectorProduct(
          at: theta, direction: direction, batch: chunk, temperature: temperature, scale: 1,
          into: &product)
      }
    case .finiteDifference(let relativeStep):
      try FiniteDifferenceHessian.accumulate(
        network: network, at: theta, direction: direction, chunks: chunks,
        temperature: temperature, relativeStep: relativeStep, into: &product)
    }
    var scores = [Double](repeating: 0, count: theta.count)
    var total = 0.0
    for tensor in prunable {
      for index in tensor.range {
        scores[index] = -Double(theta[index]) * product[index]
        total += scores[index]
      }
    }
    let normaliser = abs(total) + 1e-10
    for index in scores.indices { scores[index] /= normaliser }
    return (scores, sample.count)
  }
}
