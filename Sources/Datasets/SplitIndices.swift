/// Which examples of the official training split are held out for validation.
///
/// Lee et al. (`edps/dataset.py::split_dataset`) shuffle `list(range(count))` with
/// `np.random.RandomState(seed)` and take the **first** `holdout` shuffled indices as the
/// validation split and the rest, in shuffled order, as the training split. This reproduces that
/// bit for bit (checked against NumPy in `Tests/Fixtures/Datasets/numpy_split.json`).
public struct SplitIndices: Hashable, Sendable {
  /// Indices into the official training files, in the order the validation split keeps them.
  public var validation: [Int]
  /// Indices into the official training files, in training-split order (the stream's positions
  /// 0..<count refer to this order).
  public var training: [Int]

  public init(count: Int, holdout: Int, seed: UInt64) throws(DatasetError) {
    guard holdout >= 0, holdout < count else {
      throw .invalidHoldout(holdout: holdout, examples: count)
    }
    var rng = MT19937(seed: seed)
    var indices = Array(0..<count)
    rng.shuffle(&indices)
    validation = Array(indices[..<holdout])
    training = Array(indices[holdout...])
  }
}
