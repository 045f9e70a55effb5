import Network
import Planning
import WorkloadModel

/// The workload's model, optimizer and schedule, turned into the Network module's values.
struct TrialModel {
  var description: ModelDescription
  var initializer: VarianceScaling
  var optimizer: SGD
  var schedule: LearningRateSchedule

  /// Everything `spec` asks for, or a message saying what is missing.
  init(_ spec: TrialSpec) throws(TrialFailure) {
    let shape = spec.dataset.name.imageShape
    let input = TensorShape(channels: shape.channels, height: shape.height, width: shape.width)
    let classes = spec.dataset.name.classCount
    switch spec.model.architecture {
    case .simpleCNN:
      description = .simpleCNN(input: input, classes: classes)
    case .shallueSimpleCNN(let width):
      let w = width.widths
      description = .shallueSimpleCNN(
        conv1: w.conv1, conv2: w.conv2, hidden: w.hidden, name: spec.model.architecture.name,
        input: input, classes: classes)
    case .resnet8:
      description = .resnet8(input: input, classes: classes)
    case .fullyConnected(let hidden):
      description = .fullyConnected(hidden: hidden, input: input, classes: classes)
    case .layers(let layers):
      description = ModelDescription(
        name: "custom", input: input, classes: classes, layers: layers.map(Self.layer))
    }
    switch spec.model.initializer {
    case .varianceScaling(let scale, let mode, let distribution):
      let fan: FanMode
      switch mode {
      case .fanIn: fan = .fanIn
      case .fanOut: fan = .fanOut
      case .fanAvg: fan = .fanAvg
      }
      let shape: WeightDistribution
      switch distribution {
      case .truncatedNormal: shape = .truncatedNormal
      case .normal: shape = .normal
      case .uniform: shape = .uniform
      }
      initializer = VarianceScaling(scale: scale, mode: fan, distribution: shape)
    }
    let values = spec.metaparameters
    func value(_ m: Metaparameter) throws(TrialFailure) -> Double {
      guard let v = values[m], v.isFinite else {
        throw TrialFailure("metaparameter '\(m.rawValue)' is missing or not finite for "
          + "optimizer '\(spec.optimizer.rawValue)' with schedule '\(spec.schedule.rawValue)'")
      }
      return v
    }
    let rate = try value(.learningRate)
    switch spec.optimizer {
    case .sgd: optimizer = SGD(momentum: .none)
    case .momentum: optimizer = SGD(momentum: .heavyBall(Float(try value(.momentum))))
    case .nesterov: optimizer = SGD(momentum: .nesterov(Float(try value(.momentum))))
    }
    switch spec.schedule {
    case .constant:
      schedule = .constant(rate)
    case .linearDecay:
      let steps = try value(.decaySteps)
      let factor = try value(.endLearningRateFactor)
      schedule = .linearDecay(initial: rate, end: rate * factor, steps: Int(steps))
    }
  }

  static func layer(_ spec: LayerSpec) -> NetworkLayer {
    switch spec {
    case .conv2d(let filters, let kernel, let stride, let padding, let bias):
      return .conv2d(
        filters: filters, kernel: kernel, stride: stride,
        padding: padding == .valid ? .valid : .same, bias: bias)
    case .maxPool(let window, let stride): return .maxPool(window: window, stride: stride)
    case .avgPool(let window, let stride): return .avgPool(window: window, stride: stride)
    case .dense(let units, let bias): return .dense(units: units, bias: bias)
    case .relu: return .relu
    case .flatten: return .flatten
    case .globalAvgPool: return .globalAvgPool
    case .residual(let body): return .residual(body: body.map(layer))
    }
  }
}

/// A trial that cannot run, with the message for the user.
struct TrialFailure: Error {
  var message: String
  init(_ message: String) { self.message = message }
}
