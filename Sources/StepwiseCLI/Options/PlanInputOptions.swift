import ArgumentParser

/// Options shared by the commands that compile workloads into plans (`plan`, `diff`).
struct PlanInputOptions: ParsableArguments {
  @Option(
    name: .customLong("dataset-digest"),
    help: """
      Use this dataset digest in trial keys instead of the pinned sha256 values or a digest \
      computed from the dataset files (for planning on a machine without the data).
      """)
  var datasetDigest: String?

  var frontend: PlanFrontend { PlanFrontend(datasetDigest: datasetDigest) }
}
