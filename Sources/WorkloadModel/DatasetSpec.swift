/// The datasets the trainer can read.
public enum DatasetName: String, Hashable, Sendable, Codable, CaseIterable {
  case mnist
  case fashionMNIST = "fashion-mnist"
  case cifar10 = "cifar-10"

  /// Examples in the official training split (before the validation holdout).
  public var trainingExamples: Int {
    switch self {
    case .mnist, .fashionMNIST: return 60_000
    case .cifar10: return 50_000
    }
  }

  /// Image shape (channels, height, width).
  public var imageShape: (channels: Int, height: Int, width: Int) {
    switch self {
    case .mnist, .fashionMNIST: return (1, 28, 28)
    case .cifar10: return (3, 32, 32)
    }
  }

  public var classCount: Int { 10 }
}

/// How pixels are standardised after dividing by 255.
public enum Normalization: String, Hashable, Sendable, Codable, CaseIterable {
  /// One mean and one std over all training images (Lee et al. for MNIST and Fashion-MNIST).
  case global
  /// One mean and std per channel over the training images (Lee et al. for CIFAR-10).
  case perChannel = "per-channel"
  /// Pixels / 255 only.
  case none
}

/// The validation split carved out of the official training split.
public struct ValidationSplit: Hashable, Sendable, Codable {
  /// Examples held out for validation (Lee et al.: 6,000 of MNIST's 60,000).
  public var holdout: Int
  /// Seed of the shuffle that picks them (Lee et al.: NumPy `RandomState(0)`).
  public var seed: Int

  public init(holdout: Int, seed: Int) {
    self.holdout = holdout
    self.seed = seed
  }
}

public struct DatasetSpec: Hashable, Sendable, Codable {
  public var name: DatasetName
  /// Directory holding the files, with documented environment variables already expanded.
  /// Not part of a trial's identity: the file digests are.
  public var directory: Located<String>
  public var validation: ValidationSplit
  public var normalization: Normalization
  /// Expected SHA-256 (lowercase hex) by file name, checked before training when given.
  public var sha256: [String: String]

  public init(
    name: DatasetName, directory: Located<String>, validation: ValidationSplit,
    normalization: Normalization, sha256: [String: String] = [:]
  ) {
    self.name = name
    self.directory = directory
    self.validation = validation
    self.normalization = normalization
    self.sha256 = sha256
  }

  /// Examples left for training after the holdout.
  public var trainingExamples: Int { name.trainingExamples - validation.holdout }
}
