/// The momentum rule of an SGD optimizer, exactly as TensorFlow 1.x's `MomentumOptimizer` (and
/// PyTorch's `SGD(momentum: γ, dampening: 0, nesterov:)`), the buffer `a` starting at zero.
public enum Momentum: Hashable, Sendable {
  /// w ← w − η g.
  case none
  /// a ← γ a + g; w ← w − η a.
  case heavyBall(Float)
  /// a ← γ a + g; w ← w − η (g + γ a).
  case nesterov(Float)
}

/// Stochastic gradient descent over the whole flat store in one loop (no per-tensor dispatch).
///
/// Masks: when the store is masked, the gradient is multiplied by the mask first (so pruned
/// momentum stays zero) and the parameters after (`param *= mask`), so a pruned weight is zero in
/// every forward pass and never moves.
public struct SGD: Hashable, Sendable {
  public var momentum: Momentum

  public init(momentum: Momentum = .none) { self.momentum = momentum }

  /// One update with `store.gradients` (the mean-loss gradient of the global batch).
  public func step(store: ParameterStore, learningRate: Float) {
    let n = store.count
    let w = store.parameters
    let g = store.gradients
    let a = store.velocity
    let m = store.masks
    let eta = learningRate
    if store.isMasked {
      for i in 0..<n { g[i] *= m[i] }
    }
    switch momentum {
    case .none:
      for i in 0..<n { w[i] -= eta * g[i] }
    case .heavyBall(let gamma):
      for i in 0..<n {
        a[i] = gamma * a[i] + g[i]
        w[i] -= eta * a[i]
      }
    case .nesterov(let gamma):
      for i in 0..<n {
        a[i] = gamma * a[i] + g[i]
        w[i] -= eta * (g[i] + gamma * a[i])
      }
    }
    if store.isMasked {
      for i in 0..<n { w[i] *= m[i] }
    }
  }
}

/// Learning rate as a function of the step `t` = the number of updates already applied (0 for
/// the first update), as TensorFlow's `global_step`.
public enum LearningRateSchedule: Hashable, Sendable {
  case constant(Double)
  /// `tf.train.polynomial_decay(η, t, T, η_end, power: 1, cycle: false)`:
  /// η_t = (η − η_end)(1 − min(t, T)/T) + η_end, held at η_end after T.
  case linearDecay(initial: Double, end: Double, steps: Int)

  public func rate(at step: Int) -> Float {
    switch self {
    case .constant(let eta): return Float(eta)
    case .linearDecay(let eta, let end, let steps):
      guard steps > 0 else { return Float(end) }
      let t = Double(min(max(step, 0), steps))
      return Float((eta - end) * (1 - t / Double(steps)) + end)
    }
  }
}
