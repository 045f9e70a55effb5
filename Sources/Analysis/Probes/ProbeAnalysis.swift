/// One stored probe value of one trial (the store's `probe_measurements` row, reduced to what
/// the report draws).
public struct ProbeValue: Hashable, Sendable {
  public enum Kind: String, Hashable, Sendable {
    case lipschitz
    case noiseScale = "noise_scale"
  }

  public var trialKey: String
  public var kind: Kind
  public var step: Int
  /// The Lipschitz estimate or the noise scale B_simple; nil when it was not finite.
  public var value: Double?

  public init(trialKey: String, kind: Kind, step: Int, value: Double?) {
    self.trialKey = trialKey
    self.kind = kind
    self.step = step
    self.value = value
  }
}

/// A (optimizer, sparsity) curve's probes: per step, the median and range over the trials that
/// probed; and the noise scale's prediction of the critical batch size beside the fitted one.
public struct ProbeCurve: Sendable {
  public struct Point: Hashable, Sendable {
    public var step: Int
    public var median: Double
    public var low: Double
    public var high: Double
    public var trials: Int
  }

  public var optimizerName: String
  public var sparsity: Double
  public var lipschitz: [Point]
  public var noiseScale: [Point]
  /// McCandlish et al.'s B_crit ~ B_noise: the median over probing trials of each trial's last
  /// finite noise scale (the latest in training, where the measured curves' steps are spent).
  public var predictedCriticalBatchSize: Double?
  /// The S(B) = S_min (1 + B_noise / B) fit to the measured steps-to-result, and its bootstrap
  /// interval (nil when the curve has no fit).
  public var fittedCriticalBatchSize: Double?
  public var fittedInterval: ClosedRange<Double>?
  /// Every value, for the CSV and JSON exports.
  public var values: [ProbeValue]
}

public enum ProbeAnalysis {
  /// The probe curves of a study, in its curves' order; curves without probes are left out.
  public static func curves(_ study: StudyAnalysis, values: [ProbeValue]) -> [ProbeCurve] {
    var byTrial: [String: [ProbeValue]] = [:]
    for v in values { byTrial[v.trialKey, default: []].append(v) }
    return study.curves.compactMap { curve in
      let keys = curve.cells.flatMap { $0.results.trials.map(\.key) }
      let mine = keys.flatMap { byTrial[$0] ?? [] }
      guard !mine.isEmpty else { return nil }
      let lastNoise = Dictionary(
        grouping: mine.filter { $0.kind == .noiseScale && $0.value != nil }
      ) {
        $0.trialKey
      }.values.compactMap { $0.max { $0.step < $1.step }?.value }
      let interval = curve.interval.flatMap { b -> ClosedRange<Double>? in
        b.low.isFinite && b.high.isFinite && b.low <= b.high ? b.low...b.high : nil
      }
      return ProbeCurve(
        optimizerName: curve.optimizerName, sparsity: curve.sparsity,
        lipschitz: points(mine.filter { $0.kind == .lipschitz }),
        noiseScale: points(mine.filter { $0.kind == .noiseScale }),
        predictedCriticalBatchSize: median(lastNoise),
        fittedCriticalBatchSize: curve.fit?.criticalBatchSize, fittedInterval: interval,
        values: mine.sorted {
          ($0.trialKey, $0.kind.rawValue, $0.step) < ($1.trialKey, $1.kind.rawValue, $1.step)
        })
    }
  }

  static func points(_ values: [ProbeValue]) -> [ProbeCurve.Point] {
    Dictionary(grouping: values) { $0.step }.sorted { $0.key < $1.key }.compactMap { step, group in
      let finite = group.compactMap(\.value).sorted()
      guard let median = median(finite), let low = finite.first, let high = finite.last else {
        return nil
      }
      return ProbeCurve.Point(
        step: step, median: median, low: low, high: high, trials: finite.count)
    }
  }

  static func median(_ values: [Double]) -> Double? {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return nil }
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
}
