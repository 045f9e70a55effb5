import Foundation
import Planning
import ResultsStore

/// What a store knows of a plan's trials, for `plan --store` and `diff --store`, read through
/// Planning's `PlanStatusProvider` (which the store implements).
enum StoreStatus {
  static func stored(_ plan: ExecutionPlan, storePath: String) throws -> [TrialKey: StoredTrial] {
    try stored(keys: plan.trials.map(\.key), storePath: storePath)
  }

  static func stored(keys: [TrialKey], storePath: String) throws -> [TrialKey: StoredTrial] {
    guard FileManager.default.fileExists(atPath: storePath) else {
      // No store yet: nothing is done, which is what a first plan should say.
      return [:]
    }
    let provider: any PlanStatusProvider = try ResultsStore(
      path: storePath, options: StoreOptions(readOnly: true))
    return try provider.storedTrials(for: keys)
  }
}
