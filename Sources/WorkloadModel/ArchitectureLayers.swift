/// The built-in architectures written out as layer lists, so that one shape checker and one
/// parameter counter serve built-in and custom networks alike, and the trainer can build any
/// architecture from layers.
extension Architecture {
  /// The layers of this architecture for `classes` outputs (the dataset's class count).
  public func layers(classes: Int = 10) -> [LayerSpec] {
    switch self {
    case .simpleCNN:
      // Lee et al. 2021 `edps/network.py::SimpleCNN`: VALID convs, no hidden dense layer.
      return [
        .conv2d(filters: 32, kernel: 5, stride: 1, padding: .valid, bias: true), .relu,
        .maxPool(window: 2, stride: 2),
        .conv2d(filters: 64, kernel: 5, stride: 1, padding: .valid, bias: true), .relu,
        .maxPool(window: 2, stride: 2),
        .flatten, .dense(units: classes, bias: true),
      ]
    case .shallueSimpleCNN(let width):
      let w = width.widths
      return [
        .conv2d(filters: w.conv1, kernel: 5, stride: 1, padding: .same, bias: true), .relu,
        .maxPool(window: 2, stride: 2),
        .conv2d(filters: w.conv2, kernel: 5, stride: 1, padding: .same, bias: true), .relu,
        .maxPool(window: 2, stride: 2),
        .flatten, .dense(units: w.hidden, bias: true), .relu, .dense(units: classes, bias: true),
      ]
    case .resnet8:
      // Lee et al. 2021 `ResNetNB`: pre-activation blocks of 16, 32, 64 channels, no batch norm.
      func block(_ channels: Int, stride: Int) -> LayerSpec {
        .residual(body: [
          .relu, .conv2d(filters: channels, kernel: 3, stride: stride, padding: .same, bias: true),
          .relu, .conv2d(filters: channels, kernel: 3, stride: 1, padding: .same, bias: true),
        ])
      }
      return [
        .conv2d(filters: 16, kernel: 3, stride: 1, padding: .same, bias: true),
        block(16, stride: 1), block(32, stride: 2), block(64, stride: 2),
        .relu, .globalAvgPool, .dense(units: classes, bias: true),
      ]
    case .fullyConnected(let hidden):
      return [.flatten] + hidden.flatMap { [LayerSpec.dense(units: $0, bias: true), .relu] }
        + [.dense(units: classes, bias: true)]
    case .layers(let layers):
      return layers
    }
  }
}
