import Network
import Testing

@Suite struct ParameterCountTests {
  @Test(arguments: [
    ("simple-cnn", 62_346), ("resnet-8", 75_050), ("simple-cnn-base", 3_274_634),
    ("simple-cnn-narrow", 16 * 25 + 16 + 16 * 32 * 25 + 32 + 1568 * 512 + 512 + 5130),
    ("fc-1024-1024", 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 10250),
  ])
  func builtInModelsHaveTheirParameterCounts(name: String, expected: Int) throws {
    let description = try #require(ModelDescription.named(name))
    let model = try Model(description, maxBatch: 2)
    #expect(model.store.count == expected)
    #expect(ReferenceModel<Double>(description).parameterCount == expected)
  }

  @Test func simpleCNNLayoutIsOIHWWeightThenBias() throws {
    let model = try Model(.simpleCNN(), maxBatch: 1)
    let names = model.store.slices.map(\.name)
    #expect(
      names == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "dense1.weight",
        "dense1.bias",
      ])
    #expect(model.store.slices[2].shape == [64, 32, 5, 5])
    #expect(model.store.slices[2].fanIn == 800)
    #expect(model.store.slices[4].shape == [10, 1024])
    #expect(model.store.weightCount == 62_240)
  }

  @Test func resnet8HasSevenConvsAndOneDense() throws {
    let model = try Model(.resnet8(), maxBatch: 1)
    #expect(model.store.slices.filter { $0.kind == .weight }.count == 8)
    #expect(model.store.weightCount == 74_800)
  }
}
