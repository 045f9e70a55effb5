import Pruning
import Testing

/// SNIP and GraSP masks of Simple-CNN against PyTorch (`scripts/torch_pruning_fixtures.py`).
///
/// The exact engine computes in Double, so it is compared with the script's float64 masks and
/// must agree entry for entry; the script reports that its float32 masks agree with its float64
/// ones on every entry too.
@Suite struct PyTorchReferenceTests {
  static let caseNames = [
    "snip-lee", "snip-original", "snip-weights-layerwise", "grasp-official", "grasp-half",
  ]

  @Test(arguments: caseNames)
  func exactEngineReproducesPyTorchMask(name: String) throws {
    let fixture = try PruningFixture.load()
    let fixtureCase = try #require(fixture.metadata.cases.first { $0.name == name })
    let model = try SequentialModel.simpleCNN(parameters: try fixture.floats("parameters"))
    let configuration = try PruningFixture.configuration(of: fixtureCase)
    let result = try Pruner.computeMask(configuration, network: model, data: try fixture.batches())
    let expected = PruningFixture.mask(hex: fixtureCase.mask64, count: model.parameterCount)
    let disagreements = zip(result.mask, expected).filter { $0 != $1 }.count
    #expect(disagreements == 0)
    #expect(result.mask.reduce(0, +) == Float(fixtureCase.kept64))
  }

  @Test func snipScoresMatchPyTorchFloat64() throws {
    let fixture = try PruningFixture.load()
    let model = try SequentialModel.simpleCNN(parameters: try fixture.floats("parameters"))
    let reference = try fixture.doubles("snip-lee.scores64")
    var gradient = [Double](repeating: 0, count: model.parameterCount)
    for batch in try fixture.batches() {
      _ = try model.accumulateGradient(
        at: model.parameters, batch: batch, temperature: 1, scale: 1, into: &gradient)
    }
    let raw = zip(model.parameters, gradient).map { abs(Double($0) * $1) }
    let total = raw.reduce(0, +)
    let scores = raw.map { $0 / total }
    #expect(TinyNetworks.relativeError(scores, reference) < 1e-12)
  }
}
