import Foundation
import StepwiseTestSupport

/// Where the real datasets are: `STEPWISE_DATA`, else `<repo root>/../shared/data`.
enum TestData {
  static var root: String { RealData.sharedRoot }

  static var mnist: String { root + "/mnist" }
  static var fashion: String { root + "/fashion-mnist" }
  static let debianFashion = "/usr/share/datasets/fashion-mnist"

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  static var fixtures: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/Datasets")
  }

  /// A fresh empty directory under the temporary directory.
  static func scratch(_ name: String) throws -> String {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("stepwise-datasets-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }
}

/// Small files in the real formats, for readers' tests.
enum FileMaker {
  static func bigEndian(_ value: Int) -> [UInt8] {
    [
      UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff),
      UInt8(value & 0xff),
    ]
  }

  static func idxImages(count: Int, height: Int = 28, width: Int = 28, seed: Int = 1) -> [UInt8] {
    var bytes = bigEndian(0x803) + bigEndian(count) + bigEndian(height) + bigEndian(width)
    for i in 0..<(count * height * width) { bytes.append(UInt8((i * 31 + seed * 7) % 256)) }
    return bytes
  }

  static func idxLabels(_ labels: [UInt8]) -> [UInt8] {
    bigEndian(0x801) + bigEndian(labels.count) + labels
  }

  /// A valid gzip file holding `data` in stored (uncompressed) deflate blocks.
  static func gzip(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]
    var offset = 0
    repeat {
      let n = min(65_535, data.count - offset)
      let last: UInt8 = offset + n == data.count ? 1 : 0
      out += [last, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
      out += data[offset..<(offset + n)]
      offset += n
    } while offset < data.count
    out += littleEndian(Int(crc32(data))) + littleEndian(data.count)
    return out
  }

  static func littleEndian(_ value: Int) -> [UInt8] {
    [
      UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff),
      UInt8(value >> 24 & 0xff),
    ]
  }

  static func crc32(_ data: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in data {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xedb8_8320 : 0) }
    }
    return ~crc
  }

  static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  /// A complete small MNIST-shaped directory: `train` and `test` examples, labels cycling 0...9.
  static func mnistDirectory(train: Int, test: Int, gzip useGzip: Bool) throws -> String {
    let dir = try TestData.scratch("idx")
    let files: [(String, [UInt8])] = [
      ("train-images-idx3-ubyte", idxImages(count: train)),
      ("train-labels-idx1-ubyte", idxLabels((0..<train).map { UInt8($0 % 10) })),
      ("t10k-images-idx3-ubyte", idxImages(count: test, seed: 2)),
      ("t10k-labels-idx1-ubyte", idxLabels((0..<test).map { UInt8(($0 + 3) % 10) })),
    ]
    for (name, bytes) in files {
      if useGzip {
        try write(gzip(bytes), to: dir + "/" + name + ".gz")
      } else {
        try write(bytes, to: dir + "/" + name)
      }
    }
    return dir
  }
}
