/// `probes:` — landscape measurements taken inside trials (Lee et al.'s Lipschitz smoothness,
/// McCandlish et al.'s gradient noise scale). They never change a trial's trajectory or key;
/// they add compute (shown by `stepwise plan`) and rows to the store.
public struct ProbesSpec: Hashable, Sendable, Codable {
  public struct Lipschitz: Hashable, Sendable, Codable {
    public var everySteps: Int
    public var gammas: [Double]
    /// Examples of each full-split gradient (the first this many of the training split); nil
    /// for all of it.
    public var examples: Int?

    /// Lee et al.'s gammas: 0.1, 0.2, ..., 0.9.
    public static let leeEtAlGammas: [Double] = (1...9).map { Double($0) / 10 }

    public init(everySteps: Int, gammas: [Double] = Self.leeEtAlGammas, examples: Int? = nil) {
      self.everySteps = everySteps
      self.gammas = gammas
      self.examples = examples
    }
  }

  public struct NoiseScale: Hashable, Sendable, Codable {
    public var everySteps: Int
    public var smallBatch: Int
    public var bigBatch: Int
    public var draws: Int

    public init(everySteps: Int, smallBatch: Int, bigBatch: Int, draws: Int) {
      self.everySteps = everySteps
      self.smallBatch = smallBatch
      self.bigBatch = bigBatch
      self.draws = draws
    }
  }

  /// Which trials run the probes: every trial, or the first `k` trials (by index in the
  /// quasi-random sequence) of every cell, which a plan knows before anything runs.
  public enum Selection: Hashable, Sendable, Codable {
    case all
    case firstPerCell(Int)

    public func includes(trialIndex: Int) -> Bool {
      switch self {
      case .all: return true
      case .firstPerCell(let k): return trialIndex < k
      }
    }
  }

  public var on: Selection
  public var lipschitz: Lipschitz?
  public var noiseScale: NoiseScale?

  public init(on: Selection, lipschitz: Lipschitz?, noiseScale: NoiseScale?) {
    self.on = on
    self.lipschitz = lipschitz
    self.noiseScale = noiseScale
  }
}
