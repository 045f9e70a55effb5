/// Whether a tensor multiplies (weight) or shifts (bias). Initialisers and pruning treat them
/// differently: weights start from variance scaling, biases at zero.
public enum ParameterKind: String, Hashable, Sendable {
  case weight, bias
}

/// One named tensor inside the flat buffers.
///
/// Layouts (row-major): conv weights `(O, I, kH, kW)` (OIHW, PyTorch's `Conv2d.weight`), dense
/// weights `(out, in)` (PyTorch's `Linear.weight`; TensorFlow stores the transpose), biases
/// `(O)`. Fans follow TensorFlow's `variance_scaling_initializer`: conv fan-in = I*kH*kW, fan-out
/// = O*kH*kW; dense fan-in = in, fan-out = out.
public struct ParameterSlice: Hashable, Sendable {
  public var name: String
  public var shape: [Int]
  public var kind: ParameterKind
  public var offset: Int
  public var count: Int
  public var fanIn: Int
  public var fanOut: Int
}

/// One flat buffer each for parameters, gradients, momentum (velocity) and masks, laid out
/// identically: tensor `s` occupies `[s.offset, s.offset + s.count)` in all four. The all-reduce
/// of data-parallel training takes `gradients` whole; the optimizer is one loop over all four.
///
/// Tensors are laid out in layer order, each layer's weight before its bias. Masks start all ones
/// (dense); `setMask` installs a pruning mask and zeroes the pruned parameters.
///
/// Not thread-safe (`@unchecked Sendable` only so it can move between threads): one store per
/// model instance (one per worker). Workers of one trial keep
/// their parameters equal by applying the same step to the same all-reduced gradient.
public final class ParameterStore: @unchecked Sendable {
  public let slices: [ParameterSlice]
  /// Total number of scalars (weights and biases).
  public let count: Int
  public let parameters: UnsafeMutablePointer<Float>
  public let gradients: UnsafeMutablePointer<Float>
  public let velocity: UnsafeMutablePointer<Float>
  public let masks: UnsafeMutablePointer<Float>
  /// True once a mask with any zero is installed; the optimizer skips mask work when false.
  public private(set) var isMasked = false
  /// Counts `setMask` and `copy` calls: a model rebuilds its sparse kernels when this moves.
  public private(set) var maskGeneration = 0
  private let storage: [FloatBuffer]

  init(slices: [ParameterSlice]) {
    self.slices = slices
    let total = slices.reduce(0) { $0 + $1.count }
    count = total
    storage = (0..<4).map { _ in FloatBuffer(count: total) }
    parameters = storage[0].pointer
    gradients = storage[1].pointer
    velocity = storage[2].pointer
    masks = storage[3].pointer
    masks.update(repeating: 1, count: count)
  }

  /// The slice with this name, if any.
  public func slice(named name: String) -> ParameterSlice? {
    slices.first { $0.name == name }
  }

  /// Number of weights (kind `.weight`).
  public var weightCount: Int { slices.filter { $0.kind == .weight }.reduce(0) { $0 + $1.count } }

  /// Installs a 0/1 mask over all `count` parameters, zeroes the pruned parameters, their
  /// gradients and their momentum, so they stay zero (the optimizer re-applies it every step).
  public func setMask(_ mask: UnsafeBufferPointer<Float>) {
    precondition(mask.count == count, "mask has \(mask.count) entries, store has \(count)")
    var anyZero = false
    for i in 0..<count {
      let m: Float = mask[i] != 0 ? 1 : 0
      masks[i] = m
      parameters[i] *= m
      gradients[i] *= m
      velocity[i] *= m
      if m == 0 { anyZero = true }
    }
    isMasked = anyZero
    maskGeneration += 1
  }

  /// Number of parameters the mask keeps.
  public var keptCount: Int {
    var n = 0
    for i in 0..<count where masks[i] != 0 { n += 1 }
    return n
  }

  public func zeroGradients() { gradients.update(repeating: 0, count: count) }
  public func zeroVelocity() { velocity.update(repeating: 0, count: count) }

  /// Copies parameters (and optionally velocity and masks) from another store of the same layout,
  /// e.g. to start every worker of a trial from the same initialisation.
  public func copy(from other: ParameterStore, velocity copyVelocity: Bool = true) {
    precondition(other.count == count, "stores differ in size")
    parameters.update(from: other.parameters, count: count)
    masks.update(from: other.masks, count: count)
    isMasked = other.isMasked
    maskGeneration += 1
    if copyVelocity { velocity.update(from: other.velocity, count: count) }
  }

  /// A copy of the parameters as an array (tests, checkpoints).
  public func parameterArray() -> [Float] {
    Array(UnsafeBufferPointer(start: parameters, count: count))
  }
  public func gradientArray() -> [Float] {
    Array(UnsafeBufferPointer(start: gradients, count: count))
  }

  /// Overwrites the parameters from an array of `count` values.
  public func setParameters(_ values: [Float]) {
    precondition(values.count == count, "expected \(count) values, got \(values.count)")
    _ = UnsafeMutableBufferPointer(start: parameters, count: count).update(fromContentsOf: values)
  }
}
