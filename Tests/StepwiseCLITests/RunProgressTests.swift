import Foundation
import Testing

@testable import Planning
@testable import Scheduling
@testable import StepwiseCLI

/// What `stepwise run` shows while it runs, read the way a terminal would show it.
struct RunProgressTests {
  /// The tiny workload's trials (the dataset digest is given, so no data is read).
  static let specs: [TrialSpec] = {
    let loaded = PlanFrontend(datasetDigest: "sha256:progress-test").load(path: RunCommandTests.tiny)
    return loaded.plan?.trials ?? []
  }()

  /// Collects what the progress writes, and a clock the test moves by hand.
  final class Capture: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    private var now = 0.0
    var output: String { lock.withLock { text } }
    func write(_ s: String) { lock.withLock { text += s } }
    func advance(_ seconds: Double) { lock.withLock { now += seconds } }
    var time: Double { lock.withLock { now } }
  }

  func progress(_ mode: RunProgress.Mode, colour: Bool = false) -> (RunProgress, Capture) {
    let capture = Capture()
    let progress = RunProgress(
      mode: mode, colour: colour, write: { capture.write($0) }, clock: { capture.time })
    return (progress, capture)
  }

  func evaluation(_ step: Int, _ error: Double) -> Evaluation {
    Evaluation(step: step, validationError: error, validationLoss: 2 * error, trainingLoss: error)
  }

  func counts(finished: Int, running: Int) -> ProgressCounts {
    ProgressCounts(
      total: 4, finished: finished, running: running, pending: 4 - finished - running,
      stepsRun: 100 * finished, etaSeconds: finished > 0 ? 125 : nil)
  }

  @Test func liveModeShowsOneLinePerRunningTrialAndABarThatAreRedrawnInPlace() throws {
    try #require(Self.specs.count >= 2)
    let (a, b) = (Self.specs[0], Self.specs[1])
    let (progress, capture) = progress(.live)
    progress.scheduler(.began(total: 4, alreadyFinished: 0, toRun: 4))
    progress.scheduler(.trialStarted(a, resumingFromStep: nil))
    progress.scheduler(.trialStarted(b, resumingFromStep: 20))
    progress.scheduler(.progress(counts(finished: 1, running: 2)))
    capture.advance(1)
    progress.scheduler(.trialEvaluated(a, evaluation(40, 0.3125)))
    capture.advance(1)
    progress.scheduler(.trialEvaluated(b, evaluation(60, 0.25)))

    let screen = TerminalScreen(capture.output).lines
    // The log line stays; below it, exactly the two trials and the bar, drawn once.
    #expect(screen.first == "plan: 4 trials, 0 already finished, 4 to run")
    #expect(screen.count == 4, "\(screen)")
    #expect(screen[1].contains(RunProgress.name(a)) && screen[1].contains("step 40/"))
    #expect(screen[1].contains("error 0.3125"))
    #expect(screen[2].contains(RunProgress.name(b)) && screen[2].contains("step 60/"))
    #expect(screen[3].hasPrefix("[#######.......................] 1/4 trials"))
    #expect(screen[3].contains("ETA 2m05s"))

    progress.scheduler(
      .trialFinished(
        a, TrialResult(state: .reached, stepsToResult: 40, stepsRun: 40, bestMetric: 0.3125)))
    progress.finish()
    let final = TerminalScreen(capture.output).lines
    // The finished trial's line is a log line that stays; the live lines are gone.
    #expect(final.count == 2, "\(final)")
    #expect(final[1].hasPrefix("finish \(RunProgress.name(a)): reached the goal at step 40"))
  }

  @Test func liveLinesAreNotRedrawnForEveryEvaluation() throws {
    let spec = try #require(Self.specs.first)
    let (progress, capture) = progress(.live)
    progress.scheduler(.trialStarted(spec, resumingFromStep: nil))
    let afterStart = capture.output.count
    for step in 1...450 {
      capture.advance(0.001)
      progress.scheduler(.trialEvaluated(spec, evaluation(step, 0.5)))
    }
    // 0.45 s of evaluations 1 ms apart: about 4 redraws (one per 0.1 s), not 450.
    let redraws =
      capture.output.dropFirst(afterStart).components(separatedBy: "\u{1B}[2K").count - 1
    #expect(redraws >= 3 && redraws <= 5, "\(redraws) redraws")
    #expect(TerminalScreen(capture.output).lines.last?.contains("step 450/") == false)
    capture.advance(RunProgress.redrawInterval)
    progress.scheduler(.trialEvaluated(spec, evaluation(451, 0.5)))
    #expect(TerminalScreen(capture.output).lines.last?.contains("step 451/") == true)
  }

  @Test func logModeWritesPlainLinesWithoutEscapes() throws {
    let spec = try #require(Self.specs.first)
    let (progress, capture) = progress(.log, colour: true)
    progress.scheduler(.trialStarted(spec, resumingFromStep: 20))
    progress.scheduler(.trialEvaluated(spec, evaluation(40, 0.5)))
    progress.scheduler(.progress(counts(finished: 1, running: 0)))
    progress.scheduler(
      .trialFinished(
        spec, TrialResult(state: .notReached, stepsToResult: nil, stepsRun: 80, bestMetric: 0.4)))
    let text = capture.output
    #expect(!text.contains("\u{1B}"))
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.count == 3, "\(lines)")
    #expect(lines[0] == "start  \(RunProgress.name(spec)) (resuming at step 20)")
    #expect(lines[1] == "progress: 1/4 finished, about 2m05s left")
    #expect(lines[2].hasPrefix("finish \(RunProgress.name(spec)): not reached after 80 steps"))
  }

  @Test func quietModeWritesNothing() throws {
    let spec = try #require(Self.specs.first)
    let (progress, capture) = progress(.quiet)
    progress.scheduler(.trialStarted(spec, resumingFromStep: nil))
    progress.note("masks: 2 computed")
    progress.finish()
    #expect(capture.output.isEmpty)
  }

  @Test func colourOnlyOnTheLiveTerminalAndNeverWithNoColor() {
    #expect(RunProgress(mode: .log, colour: true, write: { _ in }).colour == false)
    #expect(RunProgress(mode: .live, colour: true, write: { _ in }).colour == true)
    // Standard error is not a terminal under `swift test`, so this is the log mode.
    let piped = RunProgress.forStandardError(quiet: false, environment: ["TERM": "xterm"])
    #expect(piped.mode == (isatty(STDERR_FILENO) == 1 ? .live : .log))
    let noColor = RunProgress.forStandardError(
      quiet: false, environment: ["TERM": "xterm", "NO_COLOR": "1"])
    #expect(noColor.colour == false)
    #expect(RunProgress.forStandardError(quiet: true).mode == .quiet)
  }
}

/// Enough of a VT100 to read back live output: printable text, newline, carriage return,
/// cursor up (`ESC[1A`), erase line (`ESC[2K`); colour codes are dropped.
struct TerminalScreen {
  private(set) var lines: [String] = [""]

  init(_ output: String) {
    var row = 0
    var characters = Array(output)[...]
    while let c = characters.popFirst() {
      switch c {
      case "\n":
        row += 1
        if row == lines.count { lines.append("") }
      case "\r":
        continue
      case "\u{1B}":
        guard characters.first == "[" else { continue }
        characters.removeFirst()
        var parameter = ""
        while let p = characters.popFirst() {
          if p.isLetter {
            if p == "A" { row = max(0, row - (Int(parameter) ?? 1)) }
            if p == "K" { lines[row] = "" }
            break
          }
          parameter.append(p)
        }
      default:
        lines[row].append(c)
      }
    }
    // A trailing empty line is where the cursor waits, not text.
    while lines.count > 1 && lines.last == "" { lines.removeLast() }
  }
}
