import StepwiseDiagnostics
import WorkloadModel
import YAMLSyntax

/// `execution:` — defaults for `stepwise run` (its flags override them). Whether the workers
/// divide every batch size is a plan-time check, because `--workers` may change it.
enum ExecutionSection {
  static let keys = ["jobs", "workers", "checkpoint_every_steps"]
  static let defaultCheckpointEverySteps = 1_000
}

extension WorkloadChecker {
  func execution(_ node: YAMLNode?, anchor: SourceRange?) -> ExecutionDefaults? {
    guard let node else { return ExecutionDefaults() }
    guard
      let view = mapping(node, section: "execution", keys: ExecutionSection.keys, anchor: anchor)
    else { return nil }
    let jobs = optionalInteger(view, "jobs", atLeast: 1)
    let workers = optionalInteger(view, "workers", atLeast: 1)
    let checkpoint = optionalInteger(view, "checkpoint_every_steps", atLeast: 1)
    guard let jobs, let workers, let checkpoint else { return nil }
    return ExecutionDefaults(
      jobs: jobs, workers: workers,
      checkpointEverySteps: checkpoint ?? ExecutionSection.defaultCheckpointEverySteps)
  }
}
