/// Steele, Lea and Flood's SplitMix64 (OOPSLA 2014), the generator Java's `SplittableRandom` and
/// Vigna's xoshiro seeding use.
///
/// Stepwise needs randomness in exactly two places before training: the digit permutations of the
/// scrambled Halton sequence and the derivation of seeds from (study seed, trial index). Both must
/// give the same numbers on every machine and every run, so the generator is written out here
/// (64-bit integer arithmetic only) instead of borrowing a platform generator whose algorithm may
/// change between releases.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// The SplitMix64 output function: a bijection on 64 bits with full avalanche.
  public static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound` by rejection, so that no value is favoured (Lemire's
  /// multiply-shift would also do; rejection is simpler to state in the documentation).
  public mutating func next(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "bound must be positive")
    let limit = UInt64.max - UInt64.max % bound
    while true {
      let value = next()
      if value < limit { return value % bound }
    }
  }
}

/// Seeds that derive from a study seed and a trial index, never from the clock.
///
/// Each purpose has its own stream constant so that, for example, trial 3's init seed is never
/// equal to its data seed by construction.
public enum SeedDerivation {
  /// Stream of initialisation seeds (weights, and through them the pruning mask).
  public static let initStream: UInt64 = 0x696E_6974  // "init"
  /// Stream of data-order seeds.
  public static let dataStream: UInt64 = 0x6461_7461  // "data"

  /// `mix(mix(mix(studySeed) ^ stream) ^ index)`: a fixed function of its three inputs.
  public static func derive(studySeed: Int, stream: UInt64, index: UInt64) -> UInt64 {
    let seeded = SplitMix64.mix(UInt64(bitPattern: Int64(studySeed)))
    return SplitMix64.mix(SplitMix64.mix(seeded ^ stream) ^ index)
  }

  /// Trial `index`'s init seed: the same in every cell (Lee et al.'s paired design: trial k has
  /// the same weights and the same mask at every batch size and with every optimizer).
  public static func initSeed(studySeed: Int, trial index: Int) -> UInt64 {
    derive(studySeed: studySeed, stream: initStream, index: UInt64(index))
  }

  /// The data-order seed: one per study. Lee et al. recreate `RandomState(0)` at the start of
  /// every run, so every trial of a study sees the same batches; Stepwise does the same, which
  /// keeps the comparison between trials paired in the data as well as in the init.
  public static func dataSeed(studySeed: Int) -> UInt64 {
    derive(studySeed: studySeed, stream: dataStream, index: 0)
  }
}
