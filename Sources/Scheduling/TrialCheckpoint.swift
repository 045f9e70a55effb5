/// The trainer's saved state at a step: opaque bytes the trainer alone can read.
///
/// The store keeps only the latest one per trial, so a crash loses at most the steps since it.
public struct TrialCheckpoint: Hashable, Sendable {
  public var step: Int
  public var bytes: [UInt8]

  public init(step: Int, bytes: [UInt8]) {
    self.step = step
    self.bytes = bytes
  }
}
