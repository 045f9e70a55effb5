import Network
import Pruning
import Testing

/// The exact engine on residual blocks, average pools and stride-2 SAME convolutions: its
/// gradient and Hessian-vector product against central differences in Double.
@Suite struct ResidualEngineTests {
  @Test(arguments: [UInt64(31), 32, 33])
  func gradientMatchesCentralDifferences(seed: UInt64) throws {
    let model = try TinyNetworks.residualNet(seed: seed)
    #expect(try CentralDifferenceChecks.gradientError(model, seed: seed) < 1e-7)
  }

  /// H v against (∇L(θ + hv) − ∇L(θ − hv)) / 2h of the exact Double gradient, h = 1e-5: the
  /// truncation error is O(h²) and the rounding O(ulp/h), both near 1e-10 relative, so 1e-7
  /// leaves room. With ReLUs the fixed seeds put no pre-activation within h of a kink (a unit
  /// that switched would show as a large error); `smooth` drops them, so the check holds at any
  /// point.
  @Test(arguments: [(UInt64(41), false), (42, false), (43, false), (44, true), (45, true)])
  func hessianVectorProductMatchesDifferenceOfGradients(seed: UInt64, smooth: Bool) throws {
    let model = try TinyNetworks.residualNet(seed: seed, smooth: smooth)
    let (exact, error) = try CentralDifferenceChecks.hessianVectorProductError(model, seed: seed)
    #expect(error < 1e-7)
    // Not vacuous: the product is far from zero.
    #expect(exact.reduce(0) { $0 + $1 * $1 } > 1e-12)
  }

  @Test func rejectsABlockWithoutAShortcut() throws {
    let tensors = [
      ParameterTensor(name: "w", role: .weight, offset: 0, shape: [2, 4, 3, 3])
    ]
    // 4 -> 2 channels: the zero-padded shortcut cannot drop channels.
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: tensors,
        layers: [.residual(body: [.convolution(weight: 0, bias: nil, stride: 1, padding: 1)])],
        inputShape: (4, 6, 6), parameters: [Float](repeating: 0, count: 72))
    }
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: [], layers: [.residual(body: [])], inputShape: (4, 6, 6), parameters: [])
    }
    #expect(throws: PruningError.self) {
      try SequentialModel(
        tensors: [], layers: [.averagePool(window: 7, stride: 1)], inputShape: (4, 6, 6),
        parameters: [])
    }
  }
}
