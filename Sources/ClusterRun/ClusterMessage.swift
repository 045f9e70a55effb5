import Foundation
import Planning
import Scheduling
import Training
import WorkloadModel

/// Everything rank 0 and the other ranks say to each other, one case per message.
///
/// The conversation (docs/cluster.md, "What rank 0 does"):
/// - start-up: every rank sends `hello`; rank 0 answers each with `setup` (or `shutdown` when
///   the run cannot start);
/// - per trial: rank 0 sends `start` to a group's leader, which passes it on to its members;
///   the leader sends `evaluation` (answered by a `directive`), `checkpoint`, `probe` (a
///   landscape probe's measurement, for rank 0 to store), `heartbeat` while it trains, and
///   `end`; rank 0 may push a `directive` at any time (a tighter early-stop bound,
///   an interrupt) and sends idle leaders a `heartbeat` so they know it is alive;
/// - the end: rank 0 sends `shutdown` to every leader, which passes it on to its members.
///
/// On the wire: "SW", the protocol version, the kind, then the fields (`ByteWriter`). A message
/// of another version is refused with a clear error rather than misread.
public enum ClusterMessage: Equatable, Sendable {
  case hello(Hello)
  case setup(Setup)
  case shutdown(reason: String?)
  case start(TrialStart)
  case evaluation(trial: UInt64, Evaluation)
  /// `answersStep` is the step of the evaluation this answers, or nil for a push.
  case directive(trial: UInt64, answersStep: Int?, TrialDirective)
  case checkpoint(trial: UInt64, TrialCheckpoint)
  case heartbeat(trial: UInt64?)
  case end(trial: UInt64, TrialOutcome)
  case probe(trial: UInt64, ProbeMeasurement)

  /// Bumped whenever a message's layout changes (2: probes in `start`, the `probe` message).
  public static let protocolVersion: UInt8 = 2

  /// A rank introduces itself: where it runs, so that rank 0 can check on it.
  public struct Hello: Equatable, Sendable {
    public var rank: Int
    public var host: String
    public var pid: Int32
    public var stepwiseVersion: String

    public init(rank: Int, host: String, pid: Int32, stepwiseVersion: String) {
      self.rank = rank
      self.host = host
      self.pid = pid
      self.stepwiseVersion = stepwiseVersion
    }
  }

  /// What every rank needs before it can form its group.
  public struct Setup: Equatable, Sendable {
    /// Ranks per data-parallel group (`--workers`).
    public var workersPerGroup: Int
    /// Rank 0's host and pid, for ranks on its machine to check that it is alive.
    public var coordinatorHost: String
    public var coordinatorPid: Int32
    public var timing: ClusterTiming

    public init(
      workersPerGroup: Int, coordinatorHost: String, coordinatorPid: Int32, timing: ClusterTiming
    ) {
      self.workersPerGroup = workersPerGroup
      self.coordinatorHost = coordinatorHost
      self.coordinatorPid = coordinatorPid
      self.timing = timing
    }
  }

  /// One trial for a group: the spec, where to resume, the mask, and the directive so far.
  public struct TrialStart: Equatable, Sendable {
    /// Rank 0's number for this attempt, so that late messages of an earlier one are ignored.
    public var trial: UInt64
    public var spec: TrialSpec
    public var checkpointEverySteps: Int
    public var directive: TrialDirective
    public var checkpoint: TrialCheckpoint?
    /// 0/1 per parameter; sent as one bit each.
    public var mask: [Float]?
    /// The landscape probes the group runs in this trial (none unless the workload asks).
    public var probes: ProbeSchedule

    public init(
      trial: UInt64, spec: TrialSpec, checkpointEverySteps: Int, directive: TrialDirective,
      checkpoint: TrialCheckpoint?, mask: [Float]?, probes: ProbeSchedule = .none
    ) {
      self.trial = trial
      self.spec = spec
      self.checkpointEverySteps = checkpointEverySteps
      self.directive = directive
      self.checkpoint = checkpoint
      self.mask = mask
      self.probes = probes
    }
  }

  private enum Kind: UInt8 {
    case hello = 1, setup, shutdown, start, evaluation, directive, checkpoint, heartbeat, end,
      probe
  }

  // MARK: Encoding

  public func encoded() throws -> [UInt8] {
    var w = ByteWriter()
    w.u8(0x53)  // "S"
    w.u8(0x57)  // "W"
    w.u8(Self.protocolVersion)
    switch self {
    case .hello(let h):
      w.u8(Kind.hello.rawValue)
      w.int(h.rank)
      w.string(h.host)
      w.int(Int(h.pid))
      w.string(h.stepwiseVersion)
    case .setup(let s):
      w.u8(Kind.setup.rawValue)
      w.int(s.workersPerGroup)
      w.string(s.coordinatorHost)
      w.int(Int(s.coordinatorPid))
      w.double(s.timing.heartbeatSeconds)
      w.double(s.timing.timeoutSeconds)
    case .shutdown(let reason):
      w.u8(Kind.shutdown.rawValue)
      w.bool(reason != nil)
      if let reason { w.string(reason) }
    case .start(let t):
      w.u8(Kind.start.rawValue)
      w.u64(t.trial)
      w.blob(Array(try JSONEncoder().encode(t.spec)))
      w.int(t.checkpointEverySteps)
      Self.write(t.directive, &w)
      w.bool(t.checkpoint != nil)
      if let c = t.checkpoint {
        w.int(c.step)
        w.blob(c.bytes)
      }
      w.bool(t.mask != nil)
      if let mask = t.mask { try Self.writeMask(mask, &w) }
      w.blob(Array(try JSONEncoder().encode(t.probes)))
    case .evaluation(let trial, let e):
      w.u8(Kind.evaluation.rawValue)
      w.u64(trial)
      w.int(e.step)
      w.double(e.validationError)
      w.double(e.validationLoss)
      w.double(e.trainingLoss)
      w.bool(e.counts != nil)
      if let c = e.counts {
        w.int(c.wrong)
        w.int(c.seen)
        w.int(c.total)
      }
    case .directive(let trial, let step, let d):
      w.u8(Kind.directive.rawValue)
      w.u64(trial)
      w.optionalInt(step)
      Self.write(d, &w)
    case .checkpoint(let trial, let c):
      w.u8(Kind.checkpoint.rawValue)
      w.u64(trial)
      w.int(c.step)
      w.blob(c.bytes)
    case .heartbeat(let trial):
      w.u8(Kind.heartbeat.rawValue)
      w.bool(trial != nil)
      if let trial { w.u64(trial) }
    case .end(let trial, let outcome):
      w.u8(Kind.end.rawValue)
      w.u64(trial)
      Self.write(outcome, &w)
    case .probe(let trial, let measurement):
      w.u8(Kind.probe.rawValue)
      w.u64(trial)
      w.blob(Array(try Self.probeEncoder.encode(measurement)))
    }
    return w.bytes
  }

  public init(decoding bytes: [UInt8]) throws(ClusterError) {
    guard bytes.count >= 4, bytes[0] == 0x53, bytes[1] == 0x57 else {
      throw .malformed("not a stepwise cluster message")
    }
    guard bytes[2] == Self.protocolVersion else {
      throw .versionMismatch(
        rank: -1, theirs: "cluster protocol \(bytes[2])", ours: "protocol \(Self.protocolVersion)")
    }
    var r = ByteReader(bytes, from: 4)
    guard let kind = Kind(rawValue: bytes[3]) else {
      throw .malformed("unknown message kind \(bytes[3])")
    }
    switch kind {
    case .hello:
      let rank = try r.int()
      let host = try r.string()
      let pid = Int32(truncatingIfNeeded: try r.int())
      self = .hello(
        Hello(rank: rank, host: host, pid: pid, stepwiseVersion: try r.string()))
    case .setup:
      let workers = try r.int()
      let host = try r.string()
      let pid = Int32(truncatingIfNeeded: try r.int())
      let heartbeat = try r.double()
      let timeout = try r.double()
      self = .setup(
        Setup(
          workersPerGroup: workers, coordinatorHost: host, coordinatorPid: pid,
          timing: ClusterTiming(heartbeatSeconds: heartbeat, timeoutSeconds: timeout)))
    case .shutdown:
      self = .shutdown(reason: try r.bool() ? try r.string() : nil)
    case .start:
      let trial = try r.u64()
      let spec = try Self.decode(TrialSpec.self, try r.blob(), what: "the trial spec")
      let every = try r.int()
      let directive = try Self.readDirective(&r)
      var checkpoint: TrialCheckpoint?
      if try r.bool() {
        let step = try r.int()
        checkpoint = TrialCheckpoint(step: step, bytes: try r.blob())
      }
      let mask = try r.bool() ? try Self.readMask(&r) : nil
      let probes = try Self.decode(
        ProbeSchedule.self, try r.blob(), what: "the trial's probe schedule")
      self = .start(
        TrialStart(
          trial: trial, spec: spec, checkpointEverySteps: every, directive: directive,
          checkpoint: checkpoint, mask: mask, probes: probes))
    case .evaluation:
      let trial = try r.u64()
      let step = try r.int()
      let error = try r.double()
      let loss = try r.double()
      self = .evaluation(
        trial: trial,
        Evaluation(
          step: step, validationError: error, validationLoss: loss, trainingLoss: try r.double(),
          counts: try r.bool()
            ? EvaluationCounts(wrong: try r.int(), seen: try r.int(), total: try r.int()) : nil))
    case .directive:
      let trial = try r.u64()
      let step = try r.optionalInt()
      self = .directive(trial: trial, answersStep: step, try Self.readDirective(&r))
    case .checkpoint:
      let trial = try r.u64()
      let step = try r.int()
      self = .checkpoint(trial: trial, TrialCheckpoint(step: step, bytes: try r.blob()))
    case .heartbeat:
      self = .heartbeat(trial: try r.bool() ? try r.u64() : nil)
    case .end:
      let trial = try r.u64()
      self = .end(trial: trial, try Self.readOutcome(&r))
    case .probe:
      let trial = try r.u64()
      self = .probe(
        trial: trial,
        try Self.decode(
          ProbeMeasurement.self, try r.blob(), what: "the probe measurement",
          decoder: Self.probeDecoder))
    }
    guard r.isAtEnd else { throw .malformed("\(kind) message has bytes left over") }
  }

  // MARK: Fields

  /// A field sent as JSON; `what` names it in the error.
  private static func decode<T: Decodable>(
    _ type: T.Type, _ bytes: [UInt8], what: String, decoder: JSONDecoder = JSONDecoder()
  ) throws(ClusterError) -> T {
    do {
      return try decoder.decode(type, from: Data(bytes))
    } catch {
      throw .malformed("\(what) does not decode: \(error)")
    }
  }

  /// A measurement's non-finite numbers (a NaN ratio of a zero step) travel as strings.
  private static var probeEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  private static var probeDecoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }

  private static func write(_ d: TrialDirective, _ w: inout ByteWriter) {
    switch d {
    case .proceed: w.u8(0)
    case .stop(let step):
      w.u8(1)
      w.int(step)
    case .interrupt: w.u8(2)
    }
  }

  private static func readDirective(_ r: inout ByteReader) throws(ClusterError) -> TrialDirective {
    switch try r.u8() {
    case 0: return .proceed
    case 1: return .stop(atStep: try r.int())
    case 2: return .interrupt
    case let other: throw .malformed("unknown directive \(other)")
    }
  }

  private static func write(_ o: TrialOutcome, _ w: inout ByteWriter) {
    switch o {
    case .reached(let step):
      w.u8(0)
      w.int(step)
    case .notReached: w.u8(1)
    case .dominated(let step):
      w.u8(2)
      w.int(step)
    case .diverged: w.u8(3)
    case .failed(let message):
      w.u8(4)
      w.string(message)
    case .interrupted: w.u8(5)
    }
  }

  private static func readOutcome(_ r: inout ByteReader) throws(ClusterError) -> TrialOutcome {
    switch try r.u8() {
    case 0: return .reached(step: try r.int())
    case 1: return .notReached
    case 2: return .dominated(step: try r.int())
    case 3: return .diverged
    case 4: return .failed(message: try r.string())
    case 5: return .interrupted
    case let other: throw .malformed("unknown trial outcome \(other)")
    }
  }

  /// A pruning mask, one bit per parameter (a Simple CNN's 62,346 floats become 7.8 KB).
  private static func writeMask(_ mask: [Float], _ w: inout ByteWriter) throws {
    var bits = [UInt8](repeating: 0, count: (mask.count + 7) / 8)
    for (i, value) in mask.enumerated() {
      guard value == 0 || value == 1 else {
        throw ClusterError.malformed("mask entry \(i) is \(value), not 0 or 1")
      }
      if value == 1 { bits[i >> 3] |= 1 << UInt8(i & 7) }
    }
    w.int(mask.count)
    w.blob(bits)
  }

  private static func readMask(_ r: inout ByteReader) throws(ClusterError) -> [Float] {
    let count = try r.int()
    let bits = try r.blob()
    guard count >= 0, bits.count == (count + 7) / 8 else {
      throw .malformed("mask of \(count) entries in \(bits.count) bytes")
    }
    return (0..<count).map { bits[$0 >> 3] & (1 << UInt8($0 & 7)) != 0 ? 1 : 0 }
  }
}

/// How often ranks prove they are alive, and how long silence means dead.
public struct ClusterTiming: Equatable, Sendable {
  /// A training leader reports at least this often; rank 0 pings idle leaders this often.
  public var heartbeatSeconds: Double
  /// Silence this long (or a local pid gone) marks a rank lost.
  public var timeoutSeconds: Double

  public init(heartbeatSeconds: Double = 5, timeoutSeconds: Double = 60) {
    self.heartbeatSeconds = heartbeatSeconds
    self.timeoutSeconds = max(timeoutSeconds, 2 * heartbeatSeconds)
  }

  /// The defaults, with `STEPWISE_MPI_TIMEOUT` (seconds) overriding the timeout (and the
  /// heartbeat becoming a fifth of it when that is shorter).
  public static func fromEnvironment(
    _ environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> ClusterTiming {
    guard let text = environment["STEPWISE_MPI_TIMEOUT"], let timeout = Double(text),
      timeout.isFinite, timeout > 0
    else { return ClusterTiming() }
    return ClusterTiming(heartbeatSeconds: min(5, timeout / 5), timeoutSeconds: timeout)
  }
}
