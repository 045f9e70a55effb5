import ArgumentParser
import Foundation
import ResultsStore
import StepwiseDiagnostics

extension Stepwise {
  /// `stepwise probe FILE`: predict each sparsity's critical batch size before the sweep.
  struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Predict the critical batch size of each sparsity before running the study.",
      discussion: """
        For each optimizer and sparsity of the study, prunes at initialisation as the study \
        would (the store's mask if it has one), then measures McCandlish et al.'s gradient \
        noise scale B_noise = tr(Sigma) / |G|^2 at initialisation and every --every steps of a \
        short run of --steps steps. Their model of large-batch training, \
        S(B) = S_min (1 + B_noise / B), is the curve `stepwise report` fits to the measured \
        steps; the critical batch size it predicts is B_noise at the end of the short run. The \
        noise scale usually grows as training goes on, so treat the prediction as a lower \
        estimate of the fitted one.

        The short run trains at the study's batch size nearest the geometric middle of its \
        range, with every searched metaparameter at the middle of its range on its scale (the \
        learning rate's geometric middle for a log scale), unless --batch-size or \
        --learning-rate say otherwise. |G|^2 and tr(Sigma) come from the squared norms of \
        mean gradients of --small and --big examples drawn at random from the training split, \
        averaged over --draws draws (without bias; the standard errors are printed).

        The recommended batch sizes run from an eighth of the smallest prediction (about \
        9 x the fewest steps: perfect scaling) to 8 x the largest (within 12.5% of them: no \
        more gain), in powers of two.

        Exit status: 0 on success, 1 on an error.
        """)

    @Argument(help: "The workload (YAML) or saved plan (JSON).")
    var file: String

    @Option(
      help: """
        The results store whose masks to reuse, and where computed masks are saved. Defaults \
        to stepwise.sqlite beside FILE, used only if it exists.
        """)
    var store: String?

    @Option(help: "Batch size of the short run (default: the study's middle batch size).")
    var batchSize: Int?

    @Option(help: "Learning rate of the short run (default: the middle of the searched range).")
    var learningRate: Double?

    @Option(help: "Steps of the short run.")
    var steps: Int = 200

    @Option(help: "Measure the noise scale at step 0 and every this many steps.")
    var every: Int = 100

    @Option(help: "The small batch of the noise-scale estimate.")
    var small: Int = 32

    @Option(help: "The big batch of the noise-scale estimate.")
    var big: Int = 512

    @Option(help: "Draws of the two batches averaged per estimate.")
    var draws: Int = 16

    @Option(
      help: """
        Also estimate Lee et al.'s Lipschitz constant at the last step of the short run, from \
        full gradients over this many training examples (10 gradients: slow on the whole split).
        """)
    var lipschitzExamples: Int?

    @Option(help: "Data-parallel workers (threads) of the short runs.")
    var workers: Int = 1

    @Option(help: "OpenMP threads per worker (default: the cores divided by the workers).")
    var threads: Int?

    @Flag(help: "Print one JSON document for tools instead of the table.")
    var json = false

    @Flag(help: "Print no progress on standard error.")
    var quiet = false

    @OptionGroup var input: PlanInputOptions

    func validate() throws {
      guard steps >= 1, every >= 1 else {
        throw ValidationError("--steps and --every must be >= 1")
      }
      guard small >= 1, big > small else {
        throw ValidationError("--small and --big must satisfy 1 <= small < big")
      }
      guard draws >= 2 else { throw ValidationError("--draws must be at least 2") }
      guard workers >= 1, (threads ?? 1) >= 1 else {
        throw ValidationError("--workers and --threads must be positive")
      }
      if let b = batchSize, b < 1 { throw ValidationError("--batch-size must be positive") }
      if let n = lipschitzExamples, n < 1 {
        throw ValidationError("--lipschitz-examples must be positive")
      }
      if let r = learningRate, !(r > 0) { throw ValidationError("--learning-rate must be > 0") }
    }

    func run() throws {
      let loaded = input.frontend.load(path: file)
      if !loaded.diagnostics.isEmpty {
        let text = DiagnosticRenderer(
          files: loaded.files, decorator: DiagnosticOutputOptions().decorator()
        ).render(loaded.diagnostics)
        FileHandle.standardError.write(Data(text.utf8))
      }
      guard let plan = loaded.plan, !loaded.hasErrors else { throw ExitCode(1) }
      let directory = (file as NSString).deletingLastPathComponent
      let storePath = store ?? (directory.isEmpty ? "" : directory + "/") + "stepwise.sqlite"
      let opened =
        FileManager.default.fileExists(atPath: storePath) ? try ResultsStore(path: storePath) : nil
      let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
      let options = StudyProbe.Options(
        batchSize: batchSize, learningRate: learningRate, steps: steps, everySteps: every,
        smallBatch: small, bigBatch: big, draws: draws, lipschitzExamples: lipschitzExamples,
        workers: workers,
        threads: threads ?? max(1, cores / workers))
      let quiet = quiet
      do {
        let result = try StudyProbe(
          plan: plan, options: options, store: opened,
          note: { if !quiet { FileHandle.standardError.write(Data(("  " + $0 + "\n").utf8)) } }
        ).execute()
        print(
          json ? ProbeJSONView().render(result) : ProbeHumanView().render(result), terminator: "")
      } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}
