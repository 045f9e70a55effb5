/// The update rule (TensorFlow's, which PyTorch's `SGD(momentum:, dampening: 0, nesterov:)` matches).
public enum OptimizerKind: String, Hashable, Sendable, Codable, CaseIterable {
  /// w <- w - lr * g
  case sgd
  /// a <- m * a + g;  w <- w - lr * a
  case momentum
  /// a <- m * a + g;  w <- w - lr * (g + m * a)
  case nesterov

  /// The metaparameters this optimizer has, besides those of its schedule.
  public var metaparameters: [Metaparameter] {
    switch self {
    case .sgd: return [.learningRate]
    case .momentum, .nesterov: return [.learningRate, .momentum]
    }
  }
}

/// How the learning rate moves with the step.
public enum ScheduleKind: String, Hashable, Sendable, Codable, CaseIterable {
  case constant
  /// lr_t = (lr - lr_end) * (1 - min(t, T) / T) + lr_end, with lr_end = lr * end_learning_rate_factor
  /// and T = decay_steps (TensorFlow `polynomial_decay`, power 1, no cycle).
  case linearDecay = "linear-decay"

  public var metaparameters: [Metaparameter] {
    switch self {
    case .constant: return []
    case .linearDecay: return [.decaySteps, .endLearningRateFactor]
    }
  }
}

/// Every tunable quantity. The case order is the canonical order of search dimensions
/// (Lee et al.'s `--mparams_kind` order), so that rewriting a file in another key order never
/// reassigns quasi-random dimensions.
public enum Metaparameter: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
  case learningRate = "learning_rate"
  case momentum
  case decaySteps = "decay_steps"
  case endLearningRateFactor = "end_learning_rate_factor"

  public static func < (a: Metaparameter, b: Metaparameter) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }

  /// Whether values are whole numbers (decay steps).
  public var isInteger: Bool { self == .decaySteps }
}

/// How a point u in [0, 1) maps to a value.
public enum SearchScale: String, Hashable, Sendable, Codable, CaseIterable {
  /// min + u (max - min)
  case linear
  /// exp(log min + u (log max - log min)); needs 0 < min < max.
  case log
  /// 1 - value is log-uniform: 1 - value = exp(log(1 - max) + u (log(1 - min) - log(1 - max)));
  /// needs min < max < 1. Lee et al.'s momentum on [0.9, 0.9999]: 1 - m = 10^(-4 + 3u).
  case reverseLog = "reverse-log"
}

/// The values one metaparameter may take in a study.
public enum SearchDimension: Hashable, Sendable, Codable {
  /// A real interval [min, max] on a scale.
  case continuous(min: Double, max: Double, scale: SearchScale)
  /// Whole numbers in [min, max] on a scale; the real value is truncated (Lee et al.'s `int()`).
  case integer(min: Int, max: Int, scale: SearchScale)
  /// One of a finite set, chosen by floor(u * count).
  case discrete([Double])
}

/// A metaparameter is either held fixed or searched.
public enum MetaparameterSetting: Hashable, Sendable, Codable {
  case fixed(Double)
  case search(SearchDimension)
}

public struct OptimizerSpec: Hashable, Sendable, Codable {
  public var kind: OptimizerKind
  public var schedule: ScheduleKind
  /// Exactly the metaparameters of `kind` and `schedule`, each fixed or searched.
  public var metaparameters: [Metaparameter: MetaparameterSetting]

  public init(
    kind: OptimizerKind, schedule: ScheduleKind,
    metaparameters: [Metaparameter: MetaparameterSetting]
  ) {
    self.kind = kind
    self.schedule = schedule
    self.metaparameters = metaparameters
  }

  /// The searched metaparameters in canonical order: dimension i of the sequence drives entry i.
  public var searchDimensions: [(Metaparameter, SearchDimension)] {
    metaparameters.keys.sorted().compactMap { key in
      if case .search(let d) = metaparameters[key] { return (key, d) }
      return nil
    }
  }
}
