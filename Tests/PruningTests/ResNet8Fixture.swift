import Network
import Foundation
import Primitives
import Pruning

/// The ResNet-8 GraSP reference `scripts/torch_pruning_fixtures.py` computed with PyTorch.
///
/// Weights and images are not stored: they are redrawn here from SplitMix64 exactly as the script
/// draws them (see `resnet8_main` there), and checked against the script's FNV-1a digests.
struct ResNet8Fixture {
  struct Metadata: Decodable {
    var format: String
    var weightSeed: UInt64
    var imageSeed: UInt64
    var images: Int
    var parametersFNV1a: String
    var imagesFNV1a: String
    var sections: [String: PruningFixture.Section]
    var cases: [PruningFixture.Case]
  }

  var metadata: Metadata
  var blob: Data

  static func load() throws -> ResNet8Fixture {
    let directory = PruningFixture.directory
    let json = try Data(contentsOf: directory.appendingPathComponent("resnet8_grasp.json"))
    let blob = try Data(contentsOf: directory.appendingPathComponent("resnet8_grasp.bin"))
    let metadata = try JSONDecoder().decode(Metadata.self, from: json)
    guard metadata.format == "stepwise-resnet8-grasp-fixture" else {
      throw FixtureError.missing("format stepwise-resnet8-grasp-fixture")
    }
    return ResNet8Fixture(metadata: metadata, blob: blob)
  }

  /// Weights uniform with variance 1/fan_in (±sqrt(3/fan_in)) in store order, biases 0.
  func parameters(tensors: [ParameterTensor]) -> [Float] {
    var generator = SplitMix64(seed: metadata.weightSeed)
    var values: [Float] = []
    for tensor in tensors {
      guard tensor.role == .weight else {
        values += [Float](repeating: 0, count: tensor.count)
        continue
      }
      let scale = (3.0 / Double(tensor.shape.dropFirst().reduce(1, *))).squareRoot()
      for _ in 0..<tensor.count { values.append(Float(TinyNetworks.uniform(&generator) * scale)) }
    }
    return values
  }

  /// The 100 images (uniform in [-1, 1)) with label (7 i + 3) mod 10, in stream order.
  func batch() -> PruningBatch {
    var generator = SplitMix64(seed: metadata.imageSeed)
    return TinyNetworks.batch(
      TensorShape(channels: 3, height: 32, width: 32),
      labels: (0..<metadata.images).map { (7 * $0 + 3) % 10 }, generator: &generator)
  }

  /// PyTorch's float64 H g (stored as float32), 0 on biases.
  func hessianGradient() throws -> [Double] {
    guard let section = metadata.sections["hg64"], section.dtype == "float32",
      blob.count >= section.offset + 4 * section.count
    else { throw FixtureError.missing("hg64") }
    return (0..<section.count).map { index in
      let offset = blob.startIndex + section.offset + index * 4
      let bits = blob[offset..<(offset + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      return Double(Float(bitPattern: bits))
    }
  }

  /// FNV-1a of the values' little-endian bytes, as the script's `fnv1a(array.tobytes())`.
  static func digest(_ values: [Float]) -> String {
    var hash = FNV1a()
    for value in values {
      let bits = value.bitPattern
      for shift in stride(from: 0, to: 32, by: 8) {
        hash.combine(UInt8(truncatingIfNeeded: bits >> UInt32(shift)))
      }
    }
    return hash.hex
  }
}
