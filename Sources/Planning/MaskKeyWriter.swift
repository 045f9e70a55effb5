import Crypto
import Primitives

/// Writes a pruning mask's canonical encoding (`TrialIdentity.pruningEncoding`, byte for byte;
/// a test holds them equal) and hashes it, for the compiler and the saved-plan reader, which key
/// thousands of masks (6,003 in a 100,000-trial study): building a `CanonicalJSON` tree per
/// mask cost a seventh of reading a plan. Field order is the canonical one: `dataset,
/// init_seed, key_encoding, kind, method, model, sparsity, trainer_version`.
struct MaskKeyWriter {
  /// `{"dataset":…,"init_seed":`
  private var head: [UInt8] = []
  /// `,"key_encoding":1,"kind":"pruning-mask","method":…,"model":…,"sparsity":`
  private var middle: [UInt8] = []
  /// `,"trainer_version":T}`
  private var tail: [UInt8] = []
  private var buffer: [UInt8] = []

  init(_ context: TrialIdentity.Context, method: CanonicalJSON) {
    head.append(contentsOf: #"{"dataset":"#.utf8)
    head.append(contentsOf: context.dataset)
    head.append(contentsOf: #","init_seed":"#.utf8)
    middle.append(contentsOf: #","key_encoding":"#.utf8)
    middle.append(contentsOf: String(TrialIdentity.keyEncodingVersion).utf8)
    middle.append(contentsOf: #","kind":"pruning-mask","method":"#.utf8)
    method.write(to: &middle)
    middle.append(contentsOf: #","model":"#.utf8)
    middle.append(contentsOf: context.model)
    middle.append(contentsOf: #","sparsity":"#.utf8)
    tail.append(contentsOf: #","trainer_version":"#.utf8)
    tail.append(contentsOf: String(context.trainerVersion).utf8)
    tail.append(UInt8(ascii: "}"))
    buffer.reserveCapacity(1024)
  }

  mutating func key(sparsity: Double, initSeed: UInt64) -> TrialDigest {
    TrialDigest(SHA256.hash(data: encoding(sparsity: sparsity, initSeed: initSeed)))
  }

  /// The bytes `key` hashes.
  mutating func encoding(sparsity: Double, initSeed: UInt64) -> [UInt8] {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: head)
    TrialKeyWriter.appendDecimal(initSeed, to: &buffer)
    buffer.append(contentsOf: middle)
    buffer.append(contentsOf: CanonicalJSON.format(sparsity).utf8)
    buffer.append(contentsOf: tail)
    return buffer
  }
}
