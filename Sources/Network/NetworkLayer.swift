/// A layer of a network description. Mirrors the workload language's `LayerSpec` (the Training
/// module maps one to the other) so that Network does not depend on WorkloadModel.
public indirect enum NetworkLayer: Hashable, Sendable {
  case conv2d(filters: Int, kernel: Int, stride: Int, padding: ConvPadding, bias: Bool)
  /// VALID windows.
  case maxPool(window: Int, stride: Int)
  /// VALID windows.
  case avgPool(window: Int, stride: Int)
  /// Reads its input flattened in NCHW order.
  case dense(units: Int, bias: Bool)
  case relu
  case flatten
  case globalAvgPool
  /// body(x) + shortcut(x): identity, or average pool of the stride with zero-padded channels.
  case residual(body: [NetworkLayer])
}

/// Everything needed to build a model: the example shape, the number of classes, the layers
/// (ending in the logits layer of width `classes`).
public struct ModelDescription: Hashable, Sendable {
  public var name: String
  public var input: TensorShape
  public var classes: Int
  public var layers: [NetworkLayer]

  public init(name: String, input: TensorShape, classes: Int, layers: [NetworkLayer]) {
    self.name = name
    self.input = input
    self.classes = classes
    self.layers = layers
  }

  /// Lee et al. 2021 Simple-CNN on 28x28x1: conv5x5x32 VALID, relu, maxpool 2, conv5x5x64 VALID,
  /// relu, maxpool 2, flatten (1,024), dense 10. 62,346 parameters.
  public static func simpleCNN(
    input: TensorShape = TensorShape(channels: 1, height: 28, width: 28), classes: Int = 10
  ) -> ModelDescription {
    ModelDescription(
      name: "simple-cnn", input: input, classes: classes,
      layers: [
        .conv2d(filters: 32, kernel: 5, stride: 1, padding: .valid, bias: true), .relu,
        .maxPool(window: 2, stride: 2),
        .conv2d(filters: 64, kernel: 5, stride: 1, padding: .valid, bias: true), .relu,
        .maxPool(window: 2, stride: 2), .flatten, .dense(units: classes, bias: true),
      ])
  }

  /// Shallue et al. 2019 Simple CNN (UNVERIFIED widths, science.md §2.2): two 5x5 SAME convs with
  /// relu and 2x2 max-pooling, a hidden dense relu layer, dense logits. base = (32, 64, 1024):
  /// 3,274,634 parameters on MNIST; narrow = (16, 32, 512); wide = (64, 128, 2048).
  public static func shallueSimpleCNN(
    conv1: Int, conv2: Int, hidden: Int, name: String,
    input: TensorShape = TensorShape(channels: 1, height: 28, width: 28), classes: Int = 10
  ) -> ModelDescription {
    ModelDescription(
      name: name, input: input, classes: classes,
      layers: [
        .conv2d(filters: conv1, kernel: 5, stride: 1, padding: .same, bias: true), .relu,
        .maxPool(window: 2, stride: 2),
        .conv2d(filters: conv2, kernel: 5, stride: 1, padding: .same, bias: true), .relu,
        .maxPool(window: 2, stride: 2), .flatten, .dense(units: hidden, bias: true), .relu,
        .dense(units: classes, bias: true),
      ])
  }

  public static func shallueBase() -> ModelDescription {
    shallueSimpleCNN(conv1: 32, conv2: 64, hidden: 1024, name: "simple-cnn-base")
  }
  public static func shallueNarrow() -> ModelDescription {
    shallueSimpleCNN(conv1: 16, conv2: 32, hidden: 512, name: "simple-cnn-narrow")
  }
  public static func shallueWide() -> ModelDescription {
    shallueSimpleCNN(conv1: 64, conv2: 128, hidden: 2048, name: "simple-cnn-wide")
  }

  /// Lee et al. 2021 ResNet-8 without batch norm (`edps/network.py::ResNetNB`) on 32x32x3:
  /// conv3x3x16 SAME; block 16 (identity shortcut of the pre-relu input); blocks 32 and 64 with
  /// stride 2 (relu first, then avgpool-2 zero-padded shortcut); relu; global average pool;
  /// dense 10. 75,050 parameters. Stride-2 SAME convs pad bottom/right only, as TensorFlow does.
  public static func resnet8(
    input: TensorShape = TensorShape(channels: 3, height: 32, width: 32), classes: Int = 10
  ) -> ModelDescription {
    func conv(_ f: Int, _ s: Int) -> NetworkLayer {
      .conv2d(filters: f, kernel: 3, stride: s, padding: .same, bias: true)
    }
    return ModelDescription(
      name: "resnet-8", input: input, classes: classes,
      layers: [
        conv(16, 1),
        .residual(body: [.relu, conv(16, 1), .relu, conv(16, 1)]),
        .relu, .residual(body: [conv(32, 2), .relu, conv(32, 1)]),
        .relu, .residual(body: [conv(64, 2), .relu, conv(64, 1)]),
        .relu, .globalAvgPool, .dense(units: classes, bias: true),
      ])
  }

  /// A fully connected ReLU network: flatten, then dense+relu for each hidden width, then dense
  /// logits (Shallue et al.'s `fc-1024-1024` etc.).
  public static func fullyConnected(
    hidden: [Int], input: TensorShape = TensorShape(channels: 1, height: 28, width: 28),
    classes: Int = 10
  ) -> ModelDescription {
    var layers: [NetworkLayer] = [.flatten]
    for h in hidden { layers += [.dense(units: h, bias: true), .relu] }
    layers.append(.dense(units: classes, bias: true))
    return ModelDescription(
      name: (["fc"] + hidden.map(String.init)).joined(separator: "-"), input: input,
      classes: classes, layers: layers)
  }

  /// A built-in model by its workload name (`simple-cnn`, `resnet-8`, `simple-cnn-base`,
  /// `simple-cnn-narrow`, `simple-cnn-wide`, `fc-1024-1024`, ...), or nil.
  public static func named(_ name: String) -> ModelDescription? {
    switch name {
    case "simple-cnn": return simpleCNN()
    case "resnet-8": return resnet8()
    case "simple-cnn-base": return shallueBase()
    case "simple-cnn-narrow": return shallueNarrow()
    case "simple-cnn-wide": return shallueWide()
    default:
      let parts = name.split(separator: "-")
      guard parts.count >= 2, parts[0] == "fc" else { return nil }
      let widths = parts.dropFirst().compactMap { Int($0) }
      guard widths.count == parts.count - 1, widths.allSatisfy({ $0 > 0 }) else { return nil }
      return fullyConnected(hidden: widths)
    }
  }
}
