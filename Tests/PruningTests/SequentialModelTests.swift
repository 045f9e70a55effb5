import Network
import Pruning
import Testing

/// The exact engine's gradient and Hessian-vector product against central differences in Double.
@Suite struct SequentialModelTests {
  @Test(arguments: [UInt64(1), 2, 3])
  func gradientMatchesCentralDifferences(seed: UInt64) throws {
    let model = try TinyNetworks.convNet(seed: seed)
    #expect(try CentralDifferenceChecks.gradientError(model, seed: seed) < 1e-7)
  }

  @Test(arguments: [UInt64(4), 5, 6])
  func hessianVectorProductMatchesDifferenceOfGradients(seed: UInt64) throws {
    let model = try TinyNetworks.convNet(seed: seed)
    #expect(try CentralDifferenceChecks.hessianVectorProductError(model, seed: seed).error < 1e-7)
  }

  @Test func rejectsTensorsThatDoNotTileTheBuffer() {
    let tensors = [ParameterTensor(name: "w", role: .weight, offset: 1, shape: [2, 3])]
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: tensors, layers: [.dense(weight: 0, bias: nil)], inputShape: (3, 1, 1),
        parameters: [Float](repeating: 0, count: 7))
    }
  }
}
