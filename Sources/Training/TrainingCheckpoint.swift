import Datasets

/// The full state of a trial between two steps, as bytes: enough to continue bit for bit.
///
/// Layout (little-endian): magic "SWCK", format version (UInt32), trial key (length-prefixed
/// UTF-8), step, workers, parameter count, then parameters, velocity and masks (Float32 each),
/// the stream state (epoch, position, the MT19937 words and read position), the running
/// training-loss sum and step count since the last evaluation, and last a SHA-256 of everything
/// before it, so a torn or corrupted checkpoint is refused rather than resumed.
public struct TrainingCheckpoint: Equatable, Sendable {
  public static let formatVersion: UInt32 = 1

  public var trialKey: String
  public var step: Int
  /// The worker count that wrote it (a resume with another count continues with another
  /// summation order: equal to about 1e-5, not bit for bit).
  public var workers: Int
  public var parameters: [Float]
  public var velocity: [Float]
  public var masks: [Float]
  public var stream: BatchStream.State
  /// Sum of the training-batch losses since the last evaluation, and how many steps it holds.
  public var lossSinceEvaluation: Double
  public var stepsSinceEvaluation: Int

  public init(
    trialKey: String, step: Int, workers: Int, parameters: [Float], velocity: [Float],
    masks: [Float], stream: BatchStream.State, lossSinceEvaluation: Double,
    stepsSinceEvaluation: Int
  ) {
    self.trialKey = trialKey
    self.step = step
    self.workers = workers
    self.parameters = parameters
    self.velocity = velocity
    self.masks = masks
    self.stream = stream
    self.lossSinceEvaluation = lossSinceEvaluation
    self.stepsSinceEvaluation = stepsSinceEvaluation
  }

  public func encoded() -> [UInt8] {
    var out = Writer()
    out.bytes += Array("SWCK".utf8)
    out.u32(Self.formatVersion)
    let key = Array(trialKey.utf8)
    out.u64(UInt64(key.count))
    out.bytes += key
    out.u64(UInt64(step))
    out.u64(UInt64(workers))
    out.u64(UInt64(parameters.count))
    for array in [parameters, velocity, masks] { out.floats(array) }
    out.u64(UInt64(stream.epoch))
    out.u64(UInt64(stream.position))
    out.u64(UInt64(stream.generatorAtEpochStart.words.count))
    for word in stream.generatorAtEpochStart.words { out.u32(word) }
    out.u64(UInt64(stream.generatorAtEpochStart.position))
    out.u64(lossSinceEvaluation.bitPattern)
    out.u64(UInt64(stepsSinceEvaluation))
    let digest = ContentDigest.sha256Hex(out.bytes)
    out.bytes += Array(digest.utf8)
    return out.bytes
  }

  /// Decodes bytes written by `encoded()`, refusing anything damaged or of another version.
  public init(decoding bytes: [UInt8]) throws(CheckpointError) {
    guard bytes.count > 64 + 8 else { throw .damaged("too short (\(bytes.count) bytes)") }
    let body = Array(bytes[..<(bytes.count - 64)])
    let digest = String(decoding: bytes[(bytes.count - 64)...], as: UTF8.self)
    guard ContentDigest.sha256Hex(body) == digest else { throw .damaged("checksum mismatch") }
    var r = Reader(bytes: body)
    guard Array(try r.take(4)) == Array("SWCK".utf8) else { throw .damaged("not a checkpoint") }
    let version = try r.u32()
    guard version == Self.formatVersion else { throw .unsupportedVersion(version) }
    let keyLength = try r.count(limit: 1 << 16)
    trialKey = String(decoding: try r.take(keyLength), as: UTF8.self)
    step = try r.count(limit: Int(Int32.max))
    workers = try r.count(limit: 1 << 20)
    let n = try r.count(limit: 1 << 31)
    parameters = try r.floats(n)
    velocity = try r.floats(n)
    masks = try r.floats(n)
    let epoch = try r.count(limit: Int(Int32.max))
    let position = try r.count(limit: Int(Int32.max))
    let words = try r.count(limit: 1 << 12)
    var state: [UInt32] = []
    for _ in 0..<words { state.append(try r.u32()) }
    let read = try r.count(limit: 1 << 12)
    guard state.count == 624, read <= 624 else { throw .damaged("bad generator state") }
    stream = BatchStream.State(
      epoch: epoch, position: position,
      generatorAtEpochStart: MT19937.State(words: state, position: read))
    lossSinceEvaluation = Double(bitPattern: try r.u64())
    stepsSinceEvaluation = try r.count(limit: Int(Int32.max))
    guard r.offset == body.count else { throw .damaged("trailing bytes") }
  }

  private struct Writer {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func floats(_ values: [Float]) {
      bytes.reserveCapacity(bytes.count + values.count * 4)
      for v in values { u32(v.bitPattern) }
    }
  }

  private struct Reader {
    let bytes: [UInt8]
    var offset = 0

    mutating func take(_ n: Int) throws(CheckpointError) -> ArraySlice<UInt8> {
      guard n >= 0, offset + n <= bytes.count else { throw .damaged("truncated") }
      defer { offset += n }
      return bytes[offset..<(offset + n)]
    }
    mutating func u32() throws(CheckpointError) -> UInt32 {
      let b = try take(4)
      var v: UInt32 = 0
      for (i, byte) in b.enumerated() { v |= UInt32(byte) << (8 * UInt32(i)) }
      return v
    }
    mutating func u64() throws(CheckpointError) -> UInt64 {
      let low = UInt64(try u32())
      return low | UInt64(try u32()) << 32
    }
    mutating func count(limit: Int) throws(CheckpointError) -> Int {
      let v = try u64()
      guard v <= UInt64(limit) else { throw .damaged("implausible count \(v)") }
      return Int(v)
    }
    mutating func floats(_ n: Int) throws(CheckpointError) -> [Float] {
      var out = [Float](repeating: 0, count: n)
      for i in 0..<n { out[i] = Float(bitPattern: try u32()) }
      return out
    }
  }
}

/// A checkpoint that cannot be resumed from.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
  case damaged(String)
  case unsupportedVersion(UInt32)
  /// Written by another trial or for another model.
  case mismatch(String)

  public var description: String {
    switch self {
    case .damaged(let why): return "checkpoint is damaged (\(why)); the trial restarts from step 0"
    case .unsupportedVersion(let v):
      return "checkpoint format \(v) is not \(TrainingCheckpoint.formatVersion); restart the trial"
    case .mismatch(let why): return "checkpoint does not belong to this trial (\(why))"
    }
  }
}
