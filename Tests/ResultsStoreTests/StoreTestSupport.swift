import Foundation
import Planning
import Scheduling
import StepwiseTestSupport

@testable import ResultsStore

/// A store with a registered synthetic study.
func makeStore(
  _ directory: TemporaryDirectory, _ study: SyntheticStudy, name: String = "results.sqlite",
  options: StoreOptions = StoreOptions()
) throws -> (ResultsStore, StudyID) {
  let store = try ResultsStore(path: directory.file(name), options: options)
  let id = try store.register(study.plan, planHash: "hash-\(study.seed)")
  return (store, id)
}

/// Makes `dir/old.sqlite` as an older Stepwise left it: only `migrations` applied, then `body`
/// writes with that store, which is closed before this returns the path.
func olderStore(
  in dir: TemporaryDirectory, migrations: some Sequence<Migration>,
  _ body: (ResultsStore) throws -> Void
) throws -> String {
  let path = dir.file("old.sqlite")
  try body(ResultsStore(path: path, options: StoreOptions(), migrations: Array(migrations)))
  return path
}

extension Evaluation {
  static func at(_ step: Int, _ error: Double) -> Evaluation {
    Evaluation(step: step, validationError: error, validationLoss: 2 * error, trainingLoss: error)
  }
}

/// What must match between two stores that ran the same plan: per-cell steps-to-result, and the
/// curves and results of reached trials.
struct StoreDigest: Equatable {
  var stepsToResult: [CellID: Int]
  var reached: [TrialKey: [Evaluation]]

  init(_ store: ResultsStore, _ study: StudyID) throws {
    let table = try store.readStudy(study)
    stepsToResult = [:]
    reached = [:]
    for i in 0..<table.count {
      guard table.states[i] == .reached, let s = table.stepsToResult[i] else { continue }
      stepsToResult[table.cells[i]] = min(stepsToResult[table.cells[i]] ?? s, s)
      reached[table.keys[i]] = table.curveRange(i).map {
        Evaluation(
          step: Int(table.steps[$0]), validationError: table.validationError[$0],
          validationLoss: table.validationLoss[$0], trainingLoss: table.trainingLoss[$0])
      }
    }
  }
}
