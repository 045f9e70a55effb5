import Primitives

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
