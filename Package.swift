// swift-tools-version: 6.0
// Stepwise: declarative steps-to-result studies of data parallelism and sparsity.
//
// Modules follow the pipeline, and each imports only the stages before it:
//   workload.yaml -> YAML nodes -> typed workload -> plan -> scheduler -> trial (data, init,
//   prune, data-parallel training, evaluation) -> results store -> analysis -> report.
import PackageDescription

/// The numeric hot paths (kernels, layers, pruning, data preparation, the training loop) are
/// compiled optimised even in debug builds: unoptimised Swift over unsafe buffers is 20-40x
/// slower, which would turn the fast test suite's real training runs into many minutes.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "Stepwise",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "stepwise", targets: ["stepwise"]),
    /// The front end alone (workload file to checked `Workload`), for the Fuzz/ package and tools.
    .library(
      name: "StepwiseFrontEnd",
      targets: ["StepwiseDiagnostics", "YAMLSyntax", "WorkloadModel", "WorkloadLoading"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0"),
  ],
  targets: [
    // MARK: System libraries (Debian packages; see README "Set-up")
    /// libyaml 0.2.5 (`libyaml-dev`): the user's choice of YAML parser.
    .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    /// SQLite 3 (`libsqlite3-dev`): the results store.
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    /// oneDNN (`libdnnl-dev`, no pkg-config file): convolutions and sgemm on one OpenMP runtime.
    .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
    /// zlib (`zlib1g-dev`): gzip-compressed IDX files.
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    /// Open MPI (`libopenmpi-dev`): ranks on one or many machines.
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

    // MARK: Primitives every stage may use
    /// The seeded generator, FNV-1a and the JSON scanner: one of each, below every stage.
    .target(name: "Primitives", exclude: ["README.md"]),

    // MARK: Front end: source text to a checked, typed workload
    /// Source files, positions, ranges and diagnostics as values; the compiler-style renderer.
    .target(name: "StepwiseDiagnostics", exclude: ["README.md"]),
    /// libyaml events to a node tree with source ranges, under limits libyaml does not enforce.
    .target(name: "YAMLSyntax", dependencies: ["StepwiseDiagnostics", "CYAML"], exclude: ["README.md"]),
    /// The typed workload: pure values, no I/O.
    .target(name: "WorkloadModel", dependencies: ["StepwiseDiagnostics"]),
    /// YAML nodes to a `Workload`, with every diagnostic collected in one pass.
    .target(
      name: "WorkloadLoading", dependencies: ["YAMLSyntax", "WorkloadModel", "StepwiseDiagnostics"],
      exclude: ["README.md"]),

    // MARK: Middle end: plans of content-addressed trials
    /// Lowering, quasi-random search, trial identity, canonical plan JSON, plan diffs.
    .target(
      name: "Planning",
      dependencies: [
        "Primitives", "WorkloadModel", "StepwiseDiagnostics",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      exclude: ["README.md"]),
    /// Ordering, concurrency, early stop and resume; protocols the trainer and store implement.
    .target(
      name: "Scheduling", dependencies: ["Planning", "WorkloadModel"], exclude: ["README.md"]),

    // MARK: Back end: one trial
    /// Sparse-weight kernels in C, each built for AVX2+FMA and for baseline x86-64 and chosen
    /// at run time (Swift itself compiles for baseline x86-64: no FMA). Optimised in every build.
    .target(
      name: "CSparseKernels", exclude: ["README.md", "kernel_bodies.h"],
      cSettings: [.unsafeFlags(["-O3"])]),
    /// Unsafe-buffer kernels on oneDNN and sparse kernels, and naive reference kernels for tests.
    .target(
      name: "Kernels", dependencies: ["Primitives", "CDNNL", "CSparseKernels"],
      exclude: ["README.md"],
      swiftSettings: optimizedInDebug),
    /// Layers (forward and backward side by side), models, parameter store, initialisers, optimizers.
    .target(
      name: "Network", dependencies: ["Primitives", "Kernels"], exclude: ["README.md"],
      swiftSettings: optimizedInDebug),
    /// Pruning at initialisation: SNIP, GraSP, random, magnitude.
    .target(
      name: "Pruning", dependencies: ["Primitives", "Network"], exclude: ["README.md"],
      swiftSettings: optimizedInDebug),
    /// IDX and CIFAR-10 readers, checksums, the seeded split, normalisation, batching.
    .target(
      name: "Datasets",
      dependencies: ["WorkloadModel", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
      exclude: ["README.md"], swiftSettings: optimizedInDebug),
    /// All-reduce and friends behind one protocol: in-process threads, or Open MPI.
    .target(name: "Collectives", exclude: ["README.md"]),
    .target(name: "CollectivesMPI", dependencies: ["Collectives", "CMPI"], exclude: ["README.md"]),
    /// One trial: data, init, prune, data-parallel steps, periodic evaluation, checkpoints.
    .target(
      name: "Training",
      dependencies: [
        "Primitives", "Planning", "Scheduling", "Network", "Pruning", "Datasets", "Collectives",
      ],
      exclude: ["README.md"], swiftSettings: optimizedInDebug),

    /// `mpirun`: rank 0 schedules and owns the store; the other ranks train in groups.
    .target(
      name: "ClusterRun",
      dependencies: ["Collectives", "CollectivesMPI", "Planning", "Scheduling", "Training"],
      exclude: ["README.md"]),

    // MARK: Results and what is made of them
    /// SQLite store: trials, curves, masks, checkpoints; versioned migrations; WAL.
    .target(
      name: "ResultsStore", dependencies: ["Planning", "Scheduling", "WorkloadModel", "CSQLite"],
      exclude: ["README.md"]),
    /// Steps-to-result, scaling regions, critical batch size.
    .target(
      name: "Analysis",
      dependencies: ["Primitives", "ResultsStore", "Scheduling", "Planning", "WorkloadModel"],
      exclude: ["README.md"]),
    /// Tables, SVG figures, HTML, CSV and JSON.
    .target(name: "Report", dependencies: ["Analysis", "WorkloadModel"], exclude: ["README.md"]),

    // MARK: Command line
    /// The commands, their options and views (human and JSON).
    .target(
      name: "StepwiseCLI",
      dependencies: [
        "Primitives", "StepwiseDiagnostics", "YAMLSyntax", "WorkloadModel", "WorkloadLoading",
        "Planning",
        "Scheduling", "Kernels", "Network", "Pruning", "Datasets", "Collectives", "CollectivesMPI",
        "Training", "ClusterRun", "ResultsStore", "Analysis", "Report",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    /// The `stepwise` executable: a one-line entry point.
    .executableTarget(name: "stepwise", dependencies: ["StepwiseCLI"]),

    // MARK: Tests
    .target(name: "StepwiseTestSupport", dependencies: ["StepwiseDiagnostics", "Primitives", "Collectives"], path: "Tests/StepwiseTestSupport"),
    .testTarget(name: "StepwiseDiagnosticsTests", dependencies: ["StepwiseDiagnostics", "StepwiseTestSupport"]),
    .testTarget(name: "YAMLSyntaxTests", dependencies: ["YAMLSyntax", "StepwiseTestSupport"]),
    .testTarget(
      name: "WorkloadLoadingTests",
      dependencies: ["WorkloadLoading", "WorkloadModel", "YAMLSyntax", "StepwiseTestSupport"],
      resources: [.copy("Corpus")]),
    .testTarget(
      name: "PlanningTests",
      dependencies: ["Planning", "Primitives", "WorkloadLoading", "StepwiseTestSupport"],
      exclude: ["Fixtures", "Snapshots"]),
    .testTarget(name: "KernelsTests", dependencies: ["Kernels", "StepwiseTestSupport"]),
    .testTarget(
      name: "NetworkTests", dependencies: ["Network", "Kernels", "Primitives", "StepwiseTestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "PruningTests", dependencies: ["Pruning", "Network", "Primitives", "StepwiseTestSupport"],
      exclude: ["Fixtures"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "StepwiseTestSupport"]),
    .testTarget(
      name: "CollectivesTests",
      dependencies: ["Collectives", "CollectivesMPI", "StepwiseTestSupport"]),
    .testTarget(
      name: "ClusterRunTests",
      dependencies: [
        "ClusterRun", "Collectives", "CollectivesMPI", "Scheduling", "Planning", "Training",
        "WorkloadModel", "StepwiseTestSupport",
      ]),
    .testTarget(
      name: "TrainingTests", dependencies: ["Training", "Primitives", "StepwiseTestSupport"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "ResultsStoreTests", dependencies: ["ResultsStore", "Analysis", "StepwiseTestSupport"]),
    .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "Primitives", "StepwiseTestSupport"]),
    .testTarget(
      name: "AnalysisTests",
      dependencies: [
        "Analysis", "Report", "ResultsStore", "Scheduling", "Planning", "Primitives",
        "WorkloadLoading", "StepwiseTestSupport",
      ],
      exclude: ["Fixtures", "Snapshots"]),
    .testTarget(
      name: "StepwiseCLITests", dependencies: ["StepwiseCLI", "StepwiseTestSupport"],
      exclude: ["Snapshots", "Fixtures"]),
  ]
)
