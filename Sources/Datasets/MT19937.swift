/// The Mersenne Twister MT19937 exactly as NumPy's legacy `RandomState` runs it, so that a split
/// or a shuffle seeded here is bit-identical to Lee et al.'s `np.random.RandomState(seed)`.
///
/// Seeding: a seed that fits 32 bits uses `init_genrand` (what `RandomState(int)` does); a
/// larger one uses `init_by_array` over its two 32-bit words, low first (what
/// `RandomState([low, high])` does). Output: the tempered 32-bit words of the reference
/// implementation; 64-bit draws are `(first << 32) | second` like NumPy's `mt19937_next64`.
public struct MT19937: Sendable, Hashable {
  static let n = 624
  static let m = 397

  /// The 624 words of state and the read position; plain values so checkpoints can store them.
  public struct State: Sendable, Hashable, Codable {
    public var words: [UInt32]
    public var position: Int

    public init(words: [UInt32], position: Int) {
      self.words = words
      self.position = position
    }
  }

  public private(set) var state: State

  public init(seed: UInt64) {
    if seed <= UInt64(UInt32.max) {
      state = Self.initGenrand(UInt32(seed))
    } else {
      state = Self.initByArray([UInt32(truncatingIfNeeded: seed), UInt32(seed >> 32)])
    }
  }

  public init(state: State) {
    self.state = state
  }

  private static func initGenrand(_ seed: UInt32) -> State {
    var mt = [UInt32](repeating: 0, count: n)
    mt[0] = seed
    for i in 1..<n {
      mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
    }
    return State(words: mt, position: n)
  }

  private static func initByArray(_ key: [UInt32]) -> State {
    var mt = initGenrand(19_650_218).words
    var i = 1
    var j = 0
    for _ in 0..<max(n, key.count) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
      i += 1
      j += 1
      if i >= n {
        mt[0] = mt[n - 1]
        i = 1
      }
      if j >= key.count { j = 0 }
    }
    for _ in 0..<(n - 1) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
      i += 1
      if i >= n {
        mt[0] = mt[n - 1]
        i = 1
      }
    }
    mt[0] = 0x8000_0000
    return State(words: mt, position: n)
  }

  /// Regenerates all 624 words (the reference `genrand` block step).
  private mutating func twist() {
    state.words.withUnsafeMutableBufferPointer { mt in
      let n = Self.n
      let m = Self.m
      for k in 0..<n {
        let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % n] & 0x7fff_ffff)
        mt[k] = mt[(k + m) % n] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_b0df)
      }
    }
    state.position = 0
  }

  /// The next tempered 32-bit word.
  public mutating func next32() -> UInt32 {
    if state.position >= Self.n { twist() }
    var y = state.words[state.position]
    state.position += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9d2c_5680
    y ^= (y << 15) & 0xefc6_0000
    y ^= y >> 18
    return y
  }

  /// Two words, the first in the high half (NumPy's `mt19937_next64`).
  public mutating func next64() -> UInt64 {
    let high = UInt64(next32())
    return high << 32 | UInt64(next32())
  }

  /// A uniform integer in 0...max by mask-and-reject (NumPy's legacy `random_interval`): the
  /// mask is the smallest all-ones number covering `max`; draws are 32-bit while `max` fits in 32
  /// bits, else 64-bit. Matching this exactly is what makes shuffles agree with NumPy.
  public mutating func interval(_ max: UInt64) -> UInt64 {
    if max == 0 { return 0 }
    var mask = max
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    var value: UInt64
    if max <= 0xffff_ffff {
      repeat { value = UInt64(next32()) & mask } while value > max
    } else {
      repeat { value = next64() & mask } while value > max
    }
    return value
  }

  /// Shuffles `values` in place exactly as NumPy's legacy `RandomState.shuffle` does for a list
  /// or a 1-D array: Fisher-Yates from the end, i = n-1 down to 1, swapping i with
  /// `interval(i)`.
  public mutating func shuffle<T>(_ values: UnsafeMutableBufferPointer<T>) {
    guard values.count > 1 else { return }
    for i in stride(from: values.count - 1, through: 1, by: -1) {
      let j = Int(interval(UInt64(i)))
      values.swapAt(i, j)
    }
  }

  /// `shuffle` over an array.
  public mutating func shuffle<T>(_ values: inout [T]) {
    values.withUnsafeMutableBufferPointer { shuffle($0) }
  }
}
