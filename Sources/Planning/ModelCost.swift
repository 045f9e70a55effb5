import WorkloadModel

/// Multiply-adds of one forward pass, counted layer by layer from the input shape, for the
/// compute estimate `stepwise plan` prints before anything runs.
///
/// Only convolutions and dense layers are counted (pooling, ReLU and the loss are a few percent
/// of these small networks). Training costs about three forward passes per example (forward,
/// backward to activations, backward to weights), so training FLOP = 6 x multiply-adds and
/// evaluation FLOP = 2 x multiply-adds: for Lee et al.'s Simple-CNN, 3.75 M multiply-adds give
/// 22.5 MFLOP per training example, science.md section 8's "about 22 MFLOP".
public enum ModelCost {
  /// Multiply-adds of one example's forward pass.
  public static func forwardMultiplyAdds(_ model: ModelSpec, dataset: DatasetName) -> Int {
    let shape = dataset.imageShape
    var state = Shape(channels: shape.channels, height: shape.height, width: shape.width)
    return count(model.architecture.layers(classes: dataset.classCount), &state)
  }

  public static func trainingFLOPPerExample(_ model: ModelSpec, dataset: DatasetName) -> Double {
    6 * Double(forwardMultiplyAdds(model, dataset: dataset))
  }

  public static func evaluationFLOPPerExample(_ model: ModelSpec, dataset: DatasetName) -> Double {
    2 * Double(forwardMultiplyAdds(model, dataset: dataset))
  }

  struct Shape {
    var channels: Int
    var height: Int
    var width: Int
  }

  static func count(_ layers: [LayerSpec], _ shape: inout Shape) -> Int {
    var total = 0
    for layer in layers {
      switch layer {
      case .conv2d(let filters, let kernel, let stride, let padding, _):
        let (h, w) = spatial(shape, kernel: kernel, stride: stride, padding: padding)
        total += h * w * filters * kernel * kernel * shape.channels
        shape = Shape(channels: filters, height: h, width: w)
      case .maxPool(let window, let stride), .avgPool(let window, let stride):
        let (h, w) = spatial(shape, kernel: window, stride: stride, padding: .valid)
        shape = Shape(channels: shape.channels, height: h, width: w)
      case .dense(let units, _):
        total += shape.channels * shape.height * shape.width * units
        shape = Shape(channels: units, height: 1, width: 1)
      case .flatten:
        shape = Shape(channels: shape.channels * shape.height * shape.width, height: 1, width: 1)
      case .globalAvgPool:
        shape = Shape(channels: shape.channels, height: 1, width: 1)
      case .relu:
        break
      case .residual(let body):
        total += count(body, &shape)
      }
    }
    return total
  }

  static func spatial(_ s: Shape, kernel: Int, stride: Int, padding: Padding) -> (Int, Int) {
    let step = max(1, stride)
    switch padding {
    case .same:
      return ((s.height + step - 1) / step, (s.width + step - 1) / step)
    case .valid:
      return (
        max(0, (s.height - kernel) / step + 1), max(0, (s.width - kernel) / step + 1)
      )
    }
  }
}
