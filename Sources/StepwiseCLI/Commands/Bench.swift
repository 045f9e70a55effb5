import ArgumentParser
import Foundation
import Kernels
import Network
import Primitives

extension Stepwise {
  /// `stepwise bench`: training throughput of the built-in models on random data, the Swift side
  /// of `torch_baseline.py` (same protocol: warm-up, then the median of timed repeats).
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Measure training steps per second of built-in models on random data.",
      discussion: """
        Each step is a forward pass, a backward pass and a Nesterov momentum update on one batch \
        of random inputs of the model's shape. FLOPs are counted as in torch_baseline.py: \
        6 x the multiply-adds of the convolutions and dense layers per example. The peak is the \
        measured fp32 peak of this machine kind, 116 GFLOP/s per core.
        """)

    @Option(
      help: """
        Comma-separated models: simple-cnn, resnet-8, simple-cnn-base, simple-cnn-narrow, \
        simple-cnn-wide, fc-<w>-<w>...
        """
    )
    var model: String = "simple-cnn"

    @Option(help: "Comma-separated batch sizes.")
    var batchSizes: String = "1,16,256"

    @Option(help: "OpenMP threads for the kernels.")
    var threads: Int = 2

    @Option(help: "Minimum seconds per timed repeat.")
    var seconds: Double = 1.0

    @Option(help: "Timed repeats per batch size; the median is reported.")
    var repeats: Int = 5

    @Option(help: "Seconds of warm-up before timing (at least 2 steps).")
    var warmup: Double = 0.5

    @Option(help: "Fraction of parameters pruned by a random mask (0 = dense).")
    var sparsity: Double = 0

    @Option(help: "Largest micro-batch held in memory; larger batches accumulate gradients.")
    var maxBatch: Int = 1024

    @Option(help: "Measured fp32 peak per core in GFLOP/s, for the % of peak column.")
    var peakPerCore: Double = 116

    @Flag(
      inversion: .prefixedNo,
      help: "Fuse conv2d, relu, maxPool runs into one oneDNN pipeline (as training does).")
    var fusion = true

    @Flag(help: "Print the oneDNN implementation of every convolution at each batch size.")
    var verbose = false

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    func validate() throws {
      guard threads > 0 else { throw ValidationError("--threads must be positive") }
      guard (0..<1).contains(sparsity) else {
        throw ValidationError("--sparsity must be in [0, 1)")
      }
      guard seconds > 0, repeats > 0 else {
        throw ValidationError("--seconds and --repeats must be positive")
      }
      guard maxBatch > 0 else { throw ValidationError("--max-batch must be positive") }
    }

    func run() throws {
      let sizes = try batchSizes.split(separator: ",").map { s -> Int in
        guard let b = Int(s.trimmingCharacters(in: .whitespaces)), b > 0 else {
          throw ValidationError("bad batch size '\(s)'")
        }
        return b
      }
      let peak = peakPerCore * Double(threads)
      for name in model.split(separator: ",").map(String.init) {
        guard let description = ModelDescription.named(name) else {
          throw ValidationError("unknown model '\(name)'")
        }
        // A probe for the header; a fresh model per batch size (as torch_baseline.py), so every
        // size starts from the same initialisation and holds only its own workspace.
        let probe = try Model(description, maxBatch: 1, threads: threads)
        let macs = probe.macsPerExample
        let paramCount = probe.store.count
        let flopsPerExample = 6.0 * Double(macs)
        if !json {
          print(
            "## \(name): params \(paramCount), MACs/example \(macs), "
              + "train FLOP/example \(String(format: "%.2f", flopsPerExample / 1e6))M, "
              + "1 worker x \(threads) threads, peak \(Int(peak)) GFLOP/s")
          print(
            "batch".padded(6) + "steps/s".padded(10) + "ex/s".padded(10) + "ms/step".padded(10)
              + "GFLOP/s".padded(9) + "%peak".padded(7) + "RSS MB".padded(8))
        }
        for batch in sizes {
          let net = try Model(
            description, maxBatch: min(maxBatch, batch), threads: threads,
            fuseConvolutionBlocks: fusion)
          net.initialize(seed: 0)
          if sparsity > 0 { applyRandomMask(net.store, sparsity: sparsity) }
          if verbose && !json {
            for line in try net.convolutionImplementations(batch: min(batch, net.maxBatch)) {
              print("  # \(line)")
            }
          }
          let r = try measure(net, batch: batch)
          let examples = r.median * Double(batch)
          let gflops = examples * flopsPerExample / 1e9
          let rss = Double(peakRSSBytes()) / 1e6
          if json {
            let object: [String: Any] = [
              "model": name, "batch_size": batch, "threads": threads, "workers": 1,
              "fused_blocks": fusion, "steps_per_s": r.median,
              "examples_per_s": examples, "ms_per_step": 1000 / r.median, "gflops": gflops,
              "pct_peak": 100 * gflops / peak, "peak_gflops": peak, "peak_rss_mb": rss,
              "sparsity": sparsity, "repeat_steps_per_s": r.rates, "steps_per_repeat": r.steps,
              "macs_per_example": macs, "params": paramCount,
              "workspace_mb": Double(net.workspaceBytes) / 1e6,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
          } else {
            print(
              "\(batch)".padded(6) + fmt(r.median, 2).padded(10) + fmt(examples, 1).padded(10)
                + fmt(1000 / r.median, 2).padded(10) + fmt(gflops, 2).padded(9)
                + fmt(100 * gflops / peak, 1).padded(7) + fmt(rss, 0).padded(8)
                + "  \(r.rates.count)x\(r.steps) "
                + "[\(fmt(r.rates.min() ?? 0, 3))-\(fmt(r.rates.max() ?? 0, 3))]"
            )
          }
          fflush(nil)
        }
      }
    }

    /// Warm-up, then `repeats` timed runs of enough steps to last `seconds` each.
    private func measure(_ net: Model, batch: Int) throws -> (
      median: Double, rates: [Double], steps: Int
    ) {
      var rng = SplitMix64(seed: UInt64(batch))
      let inputCount = batch * net.modelDescription.input.count
      let x = (0..<inputCount).map { _ in Float(rng.nextNormal()) }
      let y = (0..<batch).map { _ in Int32(rng.next() % UInt64(net.modelDescription.classes)) }
      let sgd = SGD(momentum: .nesterov(0.9))
      func step() throws {
        _ = try net.trainStep(input: x, labels: y, count: batch)
        StepProfiler.measure("sgd") { sgd.step(store: net.store, learningRate: 0.01) }
      }
      let clock = ContinuousClock()
      var n = 0
      let t0 = clock.now
      while n < 2 || (clock.now - t0).seconds < warmup {
        try step()
        n += 1
      }
      let perStep = (clock.now - t0).seconds / Double(n)
      let steps = max(1, Int((seconds / perStep).rounded()))
      var rates: [Double] = []
      StepProfiler.reset()
      for _ in 0..<repeats {
        let start = clock.now
        for _ in 0..<steps { try step() }
        rates.append(Double(steps) / (clock.now - start).seconds)
      }
      if StepProfiler.isEnabled { printProfile(steps: steps * repeats, batch: batch) }
      let sorted = rates.sorted()
      return (sorted[sorted.count / 2], rates, steps)
    }

    /// STEPWISE_PROFILE=1: milliseconds per step of every timed phase, on stderr (the JSON
    /// output stays one object per line on stdout).
    private func printProfile(steps: Int, batch: Int) {
      var lines = [
        "# profile, batch \(batch), ms per step: wall, CPU of the calling thread (calls per step)"
      ]
      for entry in StepProfiler.report() {
        let ms: String =
          fmt(1000 * entry.seconds / Double(steps), 3).padded(9)
          + fmt(1000 * entry.cpuSeconds / Double(steps), 3).padded(9)
        let calls: String = fmt(Double(entry.calls) / Double(steps), 1)
        lines.append("#   \(ms)  \(entry.label) (\(calls))")
      }
      FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    private func applyRandomMask(_ store: ParameterStore, sparsity: Double) {
      var rng = SplitMix64(seed: 12345)
      let mask = (0..<store.count).map { _ in rng.nextOpenUnit() < sparsity ? Float(0) : 1 }
      mask.withUnsafeBufferPointer { store.setMask($0) }
    }
  }
}

private func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }

extension String {
  fileprivate func padded(_ width: Int) -> String {
    count >= width ? self + " " : String(repeating: " ", count: width - count) + self
  }
}

extension Duration {
  fileprivate var seconds: Double {
    let (s, atto) = components
    return Double(s) + Double(atto) * 1e-18
  }
}

/// Peak resident set size of this process so far (`ru_maxrss`, KiB on Linux).
func peakRSSBytes() -> Int {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Int(usage.ru_maxrss) * 1024
}
