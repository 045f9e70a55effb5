import ArgumentParser
import Foundation
import Kernels
import Network
import Primitives
import Pruning

extension Stepwise {
  /// `stepwise bench`: training and evaluation throughput of the built-in models on random
  /// data, the Swift side of `torch_baseline.py` (same protocol: warm-up, then the median of
  /// timed repeats); sparse cells are timed against their dense kernels in interleaved rounds.
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Measure training steps per second of built-in models on random data.",
      discussion: """
        Each step is a forward pass, a backward pass and a Nesterov momentum update on one batch \
        of random inputs of the model's shape; evaluation is a forward pass of the same batch. \
        A sparse cell's model picks sparse or dense kernels per layer as training does, and is \
        timed in interleaved rounds against the same masked model on the dense kernels. FLOPs are counted as in torch_baseline.py: \
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

    @Option(help: "Interleaved timed rounds per cell; medians are reported.")
    var repeats: Int = 5

    @Option(help: "Seconds of warm-up before timing (at least 2 steps).")
    var warmup: Double = 0.5

    @Option(
      help: """
        Comma-separated sparsities (fractions of parameters pruned), e.g. 0,0.5,0.7,0.9,0.95,0.98. \
        Each sparse cell is timed against the same masked model on the dense kernels, in \
        interleaved rounds.
        """)
    var sparsity: String = "0"

    @Option(help: "How sparse cells are pruned: random (the same sparsity in every tensor) or snip.")
    var mask: MaskKind = .random

    @Option(help: "MNIST or Fashion-MNIST directory for --mask snip (SNIP scores on real data).")
    var data: String?

    @Option(help: "SNIP scores on the first N training examples only (default: all, as Lee et al.).")
    var snipExamples: Int?

    @Option(help: "Largest micro-batch held in memory; larger batches accumulate gradients.")
    var maxBatch: Int = 1024

    @Option(help: "Measured fp32 peak per core in GFLOP/s, for the % of peak column.")
    var peakPerCore: Double = 116

    @Option(
      help: "Kernel choice of sparse cells: rule (as training), measured (timed per layer), sparse or dense.")
    var kernels: SparseKernelPolicy = .rule

    @Flag(
      inversion: .prefixedNo,
      help: "Fuse conv2d, relu, maxPool runs into one oneDNN pipeline (as training does).")
    var fusion = true

    @Flag(help: "Print the oneDNN implementation of every convolution at each batch size.")
    var verbose = false

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    @Option(
      help: """
        Instead of the table: time the Lipschitz probe (10 full-split gradients over the first \
        N training images of --data) against as many examples of training steps on the same \
        model, in --repeats interleaved rounds, wall and CPU examples/s.
        """)
    var lipschitzExamples: Int?

    enum MaskKind: String, ExpressibleByArgument {
      case random, snip
    }

    func validate() throws {
      guard threads > 0 else { throw ValidationError("--threads must be positive") }
      guard seconds > 0, repeats > 0 else {
        throw ValidationError("--seconds and --repeats must be positive")
      }
      guard maxBatch > 0 else { throw ValidationError("--max-batch must be positive") }
      _ = try sparsities()
      if let n = lipschitzExamples {
        guard n > 0 else { throw ValidationError("--lipschitz-examples must be positive") }
        guard data != nil else {
          throw ValidationError("--lipschitz-examples reads real data: pass --data DIR (MNIST files)")
        }
      }
      if mask == .snip && data == nil {
        throw ValidationError("--mask snip scores on real data: pass --data DIR (MNIST files)")
      }
    }

    private func sparsities() throws -> [Double] {
      try sparsity.split(separator: ",").map { text -> Double in
        guard let s = Double(text.trimmingCharacters(in: .whitespaces)), (0..<1).contains(s)
        else {
          throw ValidationError("--sparsity: '\(text)' is not a number in [0, 1)")
        }
        return s
      }
    }

    func run() throws {
      let sizes = try batchSizes.split(separator: ",").map { s -> Int in
        guard let b = Int(s.trimmingCharacters(in: .whitespaces)), b > 0 else {
          throw ValidationError("bad batch size '\(s)'")
        }
        return b
      }
      let levels = try sparsities()
      let peak = peakPerCore * Double(threads)
      for name in model.split(separator: ",").map(String.init) {
        guard let description = ModelDescription.named(name) else {
          throw ValidationError("unknown model '\(name)'")
        }
        if let examples = lipschitzExamples, let data {
          for batch in sizes {
            try BenchProbe.run(
              name, description, directory: data, batch: batch, examples: examples,
              threads: threads, rounds: repeats, json: json)
          }
          continue
        }
        // A probe for the header; fresh models per cell (as torch_baseline.py), so every cell
        // starts from the same initialisation and holds only its own workspace.
        let probe = try Model(description, maxBatch: 1, threads: threads)
        let macs = probe.macsPerExample
        let paramCount = probe.store.count
        let flopsPerExample = 6.0 * Double(macs)
        let pruned = levels.filter { $0 > 0 }
        var masks: [Double: [Float]] = [:]
        switch mask {
        case .random:
          for s in pruned { masks[s] = BenchMasks.random(count: paramCount, sparsity: s) }
        case .snip where !pruned.isEmpty:
          let computed = try BenchMasks.snip(
            description, directory: data ?? "", sparsities: pruned, threads: threads,
            examples: snipExamples)
          for (s, m) in zip(pruned, computed) { masks[s] = m }
        case .snip: break
        }
        if !json {
          print(
            "## \(name): params \(paramCount), MACs/example \(macs), "
              + "train FLOP/example \(String(format: "%.2f", flopsPerExample / 1e6))M, "
              + "1 worker x \(threads) threads, peak \(Int(peak)) GFLOP/s, "
              + "sparse kernels \(SparseKernelPath.name), mask \(mask.rawValue)")
          print(
            "batch".padded(6) + "sparsity".padded(9) + "ex/s".padded(10) + "ms/step".padded(10)
              + "GFLOP/s".padded(9) + "%peak".padded(7) + "eval ex/s".padded(11)
              + "dense ex/s".padded(11) + "x".padded(6) + "dense eval".padded(11)
              + "x".padded(6) + "RSS MB".padded(8))
        }
        for batch in sizes {
          for s in levels {
            try cell(
              name, description, batch: batch, sparsity: s, mask: masks[s],
              flopsPerExample: flopsPerExample, peak: peak, macs: macs, params: paramCount)
          }
        }
      }
    }

    /// One (batch, sparsity) cell: the model as training runs it and, for a sparse cell, the
    /// same masked model on the dense kernels, timed in interleaved rounds.
    private func cell(
      _ name: String, _ description: ModelDescription, batch: Int, sparsity: Double,
      mask: [Float]?, flopsPerExample: Double, peak: Double, macs: Int, params: Int
    ) throws {
      func build(_ policy: SparseKernelPolicy) throws -> Model {
        let net = try Model(
          description, maxBatch: min(maxBatch, batch), threads: threads,
          fuseConvolutionBlocks: fusion)
        net.initialize(seed: 0)
        net.sparsePolicy = policy
        if let mask { try mask.withUnsafeBufferPointer { _ = try net.setMask($0) } }
        return net
      }
      let net = try build(kernels)
      let baseline = mask == nil ? nil : try build(.dense)
      if verbose && !json {
        for line in try net.convolutionImplementations(batch: min(batch, net.maxBatch)) {
          print("  # \(line)")
        }
      }
      let r = try measure([net] + (baseline.map { [$0] } ?? []), batch: batch)
      let (train, eval) = (r[0].train.median, r[0].eval.median)
      let examples = train * Double(batch)
      let evalExamples = eval * Double(batch)
      let denseExamples = r.count > 1 ? r[1].train.median * Double(batch) : examples
      let denseEval = r.count > 1 ? r[1].eval.median * Double(batch) : evalExamples
      let gflops = examples * flopsPerExample / 1e9
      let rss = Double(ProcessUsage.peakRSSBytes()) / 1e6
      let kept = net.store.isMasked ? net.store.keptCount : net.store.count
      if json {
        let object: [String: Any] = [
          "model": name, "batch_size": batch, "threads": threads, "workers": 1,
          "fused_blocks": fusion, "steps_per_s": train, "examples_per_s": examples,
          "eval_examples_per_s": evalExamples, "dense_examples_per_s": denseExamples,
          "dense_eval_examples_per_s": denseEval, "speedup": examples / denseExamples,
          "eval_speedup": evalExamples / denseEval, "ms_per_step": 1000 / train,
          "gflops": gflops, "pct_peak": 100 * gflops / peak, "peak_gflops": peak,
          "peak_rss_mb": rss, "sparsity": sparsity, "mask": mask == nil ? "none" : self.mask.rawValue,
          "kernels": kernels.rawValue, "sparse_isa": SparseKernelPath.name,
          "repeat_steps_per_s": r[0].train.rates, "repeat_eval_per_s": r[0].eval.rates,
          "dense_repeat_steps_per_s": r.count > 1 ? r[1].train.rates : [],
          "dense_repeat_eval_per_s": r.count > 1 ? r[1].eval.rates : [],
          "cpu_examples_per_s": r[0].train.cpuMedian * Double(batch),
          "dense_cpu_examples_per_s": (r.count > 1 ? r[1] : r[0]).train.cpuMedian * Double(batch),
          "cpu_eval_examples_per_s": r[0].eval.cpuMedian * Double(batch),
          "dense_cpu_eval_examples_per_s": (r.count > 1 ? r[1] : r[0]).eval.cpuMedian
            * Double(batch),
          "repeat_cpu_steps_per_s": r[0].train.cpuRates,
          "dense_repeat_cpu_steps_per_s": r.count > 1 ? r[1].train.cpuRates : [],
          "steps_per_repeat": r[0].train.steps, "macs_per_example": macs, "params": params,
          "kept_params": kept, "allreduce_bytes_per_step": kept * 4,
          "dense_allreduce_bytes_per_step": params * 4,
          "workspace_mb": Double(net.workspaceBytes) / 1e6,
          "layer_paths": net.layerPaths.map { choice -> [String: Any] in
            var o: [String: Any] = [
              "layer": choice.layer, "density": choice.density, "path": choice.path.rawValue,
              "evaluation_path": choice.evaluationPath.rawValue,
            ]
            if let d = choice.denseSeconds { o["dense_ms"] = d * 1e3 }
            if let s = choice.sparseSeconds { o["sparse_ms"] = s * 1e3 }
            return o
          },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
      } else {
        print(
          "\(batch)".padded(6) + fmt(sparsity, 2).padded(9) + fmt(examples, 0).padded(10)
            + fmt(1000 / train, 2).padded(10) + fmt(gflops, 2).padded(9)
            + fmt(100 * gflops / peak, 1).padded(7) + fmt(evalExamples, 0).padded(11)
            + fmt(denseExamples, 0).padded(11) + fmt(examples / denseExamples, 2).padded(6)
            + fmt(denseEval, 0).padded(11) + fmt(evalExamples / denseEval, 2).padded(6)
            + fmt(rss, 0).padded(8))
        let rounds = (0..<r[0].train.rates.count).map { i in
          r.map { fmt($0.train.rates[i] * Double(batch), 0) }.joined(separator: "/")
        }
        print("    rounds train ex/s (this/dense): \(rounds.joined(separator: ", "))")
        if !net.layerPaths.isEmpty {
          print("    paths: " + net.layerPaths.map(\.description).joined(separator: "; "))
          print("    all-reduce bytes/step: \(kept * 4) of \(params * 4)")
        }
      }
      fflush(nil)
    }

    struct Rates {
      var rates: [Double] = []
      /// Per round, calls per second of this process's CPU time (user + system): on a machine
      /// shared with other work this counts only the cycles this process got.
      var cpuRates: [Double] = []
      var steps = 0
      var cpuMedian: Double {
        let sorted = cpuRates.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
      }
      var median: Double {
        let sorted = rates.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
      }
    }

    /// Warm-up, then `repeats` rounds; in each round every model runs enough training steps to
    /// last `seconds`, then as many forward-only evaluations of the batch. Rates per second.
    private func measure(_ nets: [Model], batch: Int) throws -> [(train: Rates, eval: Rates)] {
      var rng = SplitMix64(seed: UInt64(batch))
      let description = nets[0].modelDescription
      let inputCount = batch * description.input.count
      let x = (0..<inputCount).map { _ in Float(rng.nextNormal()) }
      let y = (0..<batch).map { _ in Int32(rng.next() % UInt64(description.classes)) }
      let sgd = SGD(momentum: .nesterov(0.9))
      let clock = ContinuousClock()
      func step(_ net: Model) throws {
        _ = try net.trainStep(input: x, labels: y, count: batch)
        StepProfiler.measure("sgd") { sgd.step(store: net.store, learningRate: 0.01) }
      }
      func evaluate(_ net: Model) throws { _ = try net.evaluate(input: x, labels: y, count: batch) }
      /// Calls of `body` that last about `seconds`, from a warm-up.
      func calibrate(_ body: () throws -> Void) throws -> Int {
        var n = 0
        let t0 = clock.now
        while n < 2 || (clock.now - t0).seconds < warmup {
          try body()
          n += 1
        }
        return max(1, Int((seconds / ((clock.now - t0).seconds / Double(n))).rounded()))
      }
      var results = try nets.map { net in
        (
          train: Rates(steps: try calibrate { try step(net) }),
          eval: Rates(steps: try calibrate { try evaluate(net) })
        )
      }
      StepProfiler.reset()
      for _ in 0..<repeats {
        for (i, net) in nets.enumerated() {
          var start = clock.now
          var cpu = ProcessUsage.cpuSeconds()
          for _ in 0..<results[i].train.steps { try step(net) }
          results[i].train.rates.append(
            Double(results[i].train.steps) / (clock.now - start).seconds)
          results[i].train.cpuRates.append(
            Double(results[i].train.steps) / (ProcessUsage.cpuSeconds() - cpu))
          start = clock.now
          cpu = ProcessUsage.cpuSeconds()
          for _ in 0..<results[i].eval.steps { try evaluate(net) }
          results[i].eval.rates.append(Double(results[i].eval.steps) / (clock.now - start).seconds)
          results[i].eval.cpuRates.append(
            Double(results[i].eval.steps) / (ProcessUsage.cpuSeconds() - cpu))
        }
      }
      if StepProfiler.isEnabled {
        printProfile(steps: results.reduce(0) { $0 + $1.train.steps } * repeats, batch: batch)
      }
      return results
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
  }
}

extension SparseKernelPolicy: ExpressibleByArgument {}

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
