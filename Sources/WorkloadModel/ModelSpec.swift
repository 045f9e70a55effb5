/// The network, and how its weights start.
public struct ModelSpec: Hashable, Sendable, Codable {
  public var architecture: Architecture
  public var initializer: InitializerSpec

  public init(architecture: Architecture, initializer: InitializerSpec = .varianceScaling()) {
    self.architecture = architecture
    self.initializer = initializer
  }
}

/// Widths of Shallue et al.'s Simple CNN (conv filters, conv filters, hidden units).
public enum SimpleCNNWidth: String, Hashable, Sendable, Codable, CaseIterable {
  case narrow, base, wide

  public var widths: (conv1: Int, conv2: Int, hidden: Int) {
    switch self {
    case .narrow: return (16, 32, 512)
    case .base: return (32, 64, 1024)
    case .wide: return (64, 128, 2048)
    }
  }
}

/// A built-in architecture or a custom layer list.
public enum Architecture: Hashable, Sendable, Codable {
  /// Lee et al. 2021 Simple-CNN: conv5x5x32 valid, pool, conv5x5x64 valid, pool, dense 10;
  /// 62,346 parameters on 28x28x1 (`simple-cnn`).
  case simpleCNN
  /// Shallue et al. 2019 Simple CNN: two same-padded 5x5 convs with pooling, a hidden dense
  /// ReLU layer, and the output layer (`simple-cnn-base`, `-narrow`, `-wide`).
  case shallueSimpleCNN(SimpleCNNWidth)
  /// Lee et al. 2021 ResNet-8 without batch norm; 75,050 parameters on 32x32x3 (`resnet-8`).
  case resnet8
  /// A fully connected ReLU network with these hidden widths (`fc-1024-1024`).
  case fullyConnected(hidden: [Int])
  /// A layer list written in the workload.
  case layers([LayerSpec])

  /// The name written in a workload file, or `custom` for a layer list.
  public var name: String {
    switch self {
    case .simpleCNN: return "simple-cnn"
    case .shallueSimpleCNN(let w): return "simple-cnn-\(w.rawValue)"
    case .resnet8: return "resnet-8"
    case .fullyConnected(let hidden): return (["fc"] + hidden.map(String.init)).joined(separator: "-")
    case .layers: return "custom"
    }
  }
}

public enum Padding: String, Hashable, Sendable, Codable, CaseIterable {
  case valid, same
}

/// One layer of a custom network. Input shapes are inferred from the dataset.
public indirect enum LayerSpec: Hashable, Sendable, Codable {
  case conv2d(filters: Int, kernel: Int, stride: Int, padding: Padding, bias: Bool)
  case maxPool(window: Int, stride: Int)
  case avgPool(window: Int, stride: Int)
  case dense(units: Int, bias: Bool)
  case relu
  case flatten
  case globalAvgPool
  /// `body` applied to the input, plus a shortcut: identity when shapes agree, otherwise an
  /// average pool of the stride and zero-padded channels (Lee et al.'s ResNet-8 shortcut).
  case residual(body: [LayerSpec])
}

public enum VarianceScalingMode: String, Hashable, Sendable, Codable, CaseIterable {
  case fanIn = "fan-in"
  case fanOut = "fan-out"
  case fanAvg = "fan-avg"
}

public enum InitDistribution: String, Hashable, Sendable, Codable, CaseIterable {
  /// Truncated at two standard deviations and rescaled so the std after truncation is the target
  /// (TensorFlow 1.x `variance_scaling_initializer`).
  case truncatedNormal = "truncated-normal"
  case normal
  case uniform
}

/// How weights start. Biases always start at zero.
public enum InitializerSpec: Hashable, Sendable, Codable {
  /// std = sqrt(scale / fan) (Lee et al.: scale 1, fan-in, truncated normal).
  case varianceScaling(scale: Double, mode: VarianceScalingMode, distribution: InitDistribution)

  public static func varianceScaling() -> InitializerSpec {
    .varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal)
  }
}
