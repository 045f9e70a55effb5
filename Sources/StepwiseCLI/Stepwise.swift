import ArgumentParser

/// The `stepwise` command: subcommands follow the pipeline (validate, plan, diff, run, report).
public struct Stepwise: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "stepwise",
    abstract: "Measure how training steps scale with batch size and sparsity.",
    discussion: """
      Stepwise turns a YAML workload into a plan of content-addressed training trials, runs them \
      (resumably, on one machine or many), and reports steps-to-result curves.
      """,
    version: "0.1.0",
    subcommands: [
      Validate.self, Plan.self, Diff.self, Run.self, Status.self, Report.self, Bench.self,
      Probe.self,
      Schema.self, Init.self,
    ]
  )

  public init() {}
}
