import Foundation
import Planning
import Scheduling

/// Renders a run's progress on standard error: on a terminal, a live line per running trial and
/// an overall bar with an ETA, redrawn in place; otherwise plain log lines, one per event worth a
/// line (a trial started or finished, masks, interrupts), so that logs of cluster jobs read well.
/// Colour only on a terminal and never with `NO_COLOR`.
final class RunProgress: SchedulerProgress, @unchecked Sendable {
  enum Mode: Equatable {
    case live
    case log
    case quiet
  }

  let mode: Mode
  let colour: Bool
  private let lock = NSLock()
  private let write: @Sendable (String) -> Void
  private var running: [TrialKey: (spec: TrialSpec, step: Int, error: Double?)] = [:]
  private var order: [TrialKey] = []
  private var counts: ProgressCounts?
  private var drawnLines = 0
  private let started = Date()
  private let clock: @Sendable () -> Double
  private var lastDraw = -Double.infinity
  /// Evaluations can arrive hundreds of times a second with small batches; redrawing the live
  /// lines for each would flood a slow terminal (or an ssh link), so they redraw at most this
  /// often. Starts, finishes and messages always redraw.
  static let redrawInterval = 0.1

  init(
    mode: Mode, colour: Bool, write: @escaping @Sendable (String) -> Void,
    clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }
  ) {
    self.mode = mode
    self.colour = colour && mode == .live
    self.write = write
    self.clock = clock
  }

  /// The mode for this process's standard error: live on a terminal, log lines otherwise.
  static func forStandardError(
    quiet: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> RunProgress {
    let terminal = isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb"
    let mode: Mode = quiet ? .quiet : (terminal ? .live : .log)
    return RunProgress(
      mode: mode, colour: terminal && environment["NO_COLOR"] == nil,
      write: { FileHandle.standardError.write(Data($0.utf8)) })
  }

  /// A message outside the scheduler's events (masks, the store, the plan).
  func note(_ text: String) {
    guard mode != .quiet else { return }
    lock.withLock {
      clearLocked()
      write(text + "\n")
      drawLocked()
    }
  }

  /// Removes the live lines before the closing summary is printed.
  func finish() {
    lock.withLock { clearLocked() }
  }

  func scheduler(_ event: SchedulerEvent) {
    guard mode != .quiet else { return }
    lock.withLock {
      switch event {
      case .began(let total, let done, let toRun):
        logLocked("plan: \(total) trials, \(done) already finished, \(toRun) to run")
      case .trialStarted(let spec, let from):
        running[spec.key] = (spec, from ?? 0, nil)
        order.append(spec.key)
        if mode == .log {
          logLocked(
            "start  \(Self.name(spec))" + (from.map { " (resuming at step \($0))" } ?? ""))
        }
      case .trialEvaluated(let spec, let evaluation):
        running[spec.key]?.step = evaluation.step
        running[spec.key]?.error = evaluation.validationError
      case .trialFinished(let spec, let result):
        running[spec.key] = nil
        order.removeAll { $0 == spec.key }
        logLocked("finish \(Self.name(spec)): \(describe(result))")
      case .trialHeldElsewhere(let spec, let owner):
        logLocked("skip   \(Self.name(spec)): held by another run (\(owner))")
      case .trialRetried(let spec, let attempt):
        running[spec.key] = nil
        order.removeAll { $0 == spec.key }
        logLocked("retry  \(Self.name(spec)) (attempt \(attempt))")
      case .nonDeterminism(let conflict):
        logLocked("warning: \(conflict)")
      case .interruptRequested:
        logLocked("interrupt: checkpointing running trials (press Ctrl-C again to kill)")
      case .progress(let newCounts):
        counts = newCounts
        if mode == .log {
          logLocked(
            "progress: \(newCounts.finished)/\(newCounts.total) finished"
              + (newCounts.etaSeconds.map { ", about \(Self.duration($0)) left" } ?? ""))
        }
      }
      if mode == .live {
        if case .trialEvaluated = event, clock() - lastDraw < Self.redrawInterval { return }
        clearLocked()
        drawLocked()
      }
    }
  }

  // MARK: Rendering

  static func name(_ spec: TrialSpec) -> String {
    "batch \(spec.batchSize) sparsity \(StepsTable.percent(spec.sparsity)) trial \(spec.index)"
      + " [\(spec.key.short)]"
  }

  private func describe(_ result: TrialResult) -> String {
    let text: String
    switch result.state {
    case .reached: text = "reached the goal at step \(result.stepsToResult ?? result.stepsRun)"
    case .dominated: text = "dominated, stopped at step \(result.stepsRun)"
    case .notReached: text = "not reached after \(result.stepsRun) steps"
    case .failed: text = "failed: \(result.message ?? "unknown error")"
    default: text = "\(result.state.rawValue) at step \(result.stepsRun)"
    }
    return paint(text, result.state) + String(format: " (%.1f s)", result.wallSeconds)
  }

  private func paint(_ text: String, _ state: TrialState) -> String {
    guard colour else { return text }
    let code: String
    switch state {
    case .reached: code = "32"
    case .dominated, .notReached: code = "33"
    case .failed, .diverged: code = "31"
    default: return text
    }
    return "\u{1B}[\(code)m\(text)\u{1B}[0m"
  }

  private func logLocked(_ text: String) {
    if mode == .live { clearLocked() }
    write(text + "\n")
  }

  private func clearLocked() {
    guard mode == .live, drawnLines > 0 else { return }
    write(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines) + "\r")
    drawnLines = 0
  }

  private func drawLocked() {
    guard mode == .live else { return }
    var lines: [String] = []
    for key in order {
      guard let trial = running[key] else { continue }
      let error = trial.error.map { String(format: "  error %.4f", $0) } ?? ""
      lines.append(
        "  \(Self.name(trial.spec))  step \(trial.step)/\(trial.spec.maxSteps)\(error)")
    }
    if let counts {
      let width = 30
      let filled = counts.total > 0 ? width * counts.finished / counts.total : 0
      let bar = String(repeating: "#", count: filled)
        + String(repeating: ".", count: width - filled)
      let eta = counts.etaSeconds.map { "  ETA \(Self.duration($0))" } ?? ""
      let elapsed = Self.duration(Date().timeIntervalSince(started))
      lines.append("[\(bar)] \(counts.finished)/\(counts.total) trials  \(elapsed)\(eta)")
    }
    write(lines.map { $0 + "\n" }.joined())
    drawnLines = lines.count
    lastDraw = clock()
  }

  /// "2m05s", "48s".
  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
  }
}
