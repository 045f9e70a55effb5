import Testing
import WorkloadModel

@testable import Planning

struct PlanDiffTests {
  func diff(_ edit: (inout Workload) -> Void) throws -> PlanDiff {
    let old = try #require(SampleWorkloads.compile(SampleWorkloads.mnistNesterov()))
    var workload = SampleWorkloads.mnistNesterov()
    edit(&workload)
    let new = try #require(SampleWorkloads.compile(workload))
    return PlanDiff(old: old, new: new)
  }

  @Test func identicalPlansAreEmpty() throws {
    let d = try diff { _ in }
    #expect(d.isEmpty)
    #expect(d.summaryLine == "0 to add, 0 to change, 0 to drop, 48 unchanged")
  }

  @Test func moreTrialsAdd() throws {
    let d = try diff { $0.study.trials = 10 }
    #expect(d.summaryLine == "12 to add, 0 to change, 0 to drop, 48 unchanged")
    #expect(d.cells.allSatisfy { $0.trials.filter { $0.action == .add }.map(\.index) == [8, 9] })
  }

  @Test func droppedBatchSizeDrops() throws {
    let d = try diff { $0.study.batchSizes = [Located(16), Located(64)] }
    #expect(d.summaryLine == "0 to add, 0 to change, 16 to drop, 32 unchanged")
    #expect(d.cells.filter { $0.cell.batchSize == 256 }.count == 2)
  }

  /// `batch_sizes: [16, 64, 256]` -> `[16, 128, 256]`: trial i of 64 pairs with trial i of 128.
  @Test func editedBatchSizeChangesNamingTheField() throws {
    let d = try diff { $0.study.batchSizes = [Located(16), Located(128), Located(256)] }
    #expect(d.summaryLine == "0 to add, 16 to change, 0 to drop, 32 unchanged")
    #expect(d.cells.allSatisfy { $0.cell.batchSize != 64 })
    let moved = d.cells.filter { $0.cell.batchSize == 128 }
    #expect(moved.count == 2)
    for cell in moved {
      #expect(cell.trials.map(\.index) == Array(0..<8))
      #expect(cell.trials.allSatisfy { $0.action == .change && $0.oldKey != nil })
      #expect(
        cell.trials.allSatisfy {
          $0.fields == [FieldChange(field: "batch_size", old: "64", new: "128")]
        })
    }
  }

  @Test func editedSparsityChangesNamingTheField() throws {
    let d = try diff { $0.study.sparsities = [Located(0), Located(0.8)] }
    #expect(d.summaryLine == "0 to add, 24 to change, 0 to drop, 24 unchanged")
    let first = try #require(d.cells.first { $0.cell.sparsity == 0.8 }?.trials.first)
    #expect(first.action == .change)
    #expect(first.fields == [FieldChange(field: "sparsity", old: "0.9", new: "0.8")])
  }

  /// A value added or removed elsewhere in the list, or one that only moved position, is not an
  /// in-place edit: those stay adds and drops (or unchanged).
  @Test func onlyInPlaceEditsPair() throws {
    let appended = try diff { $0.study.batchSizes.append(Located(512)) }
    #expect(appended.summaryLine == "16 to add, 0 to change, 0 to drop, 48 unchanged")
    let reordered = try diff { $0.study.batchSizes.reverse() }
    #expect(reordered.summaryLine == "0 to add, 0 to change, 0 to drop, 48 unchanged")
    let both = try diff {
      $0.study.batchSizes = [Located(16), Located(128), Located(256), Located(512)]
    }
    #expect(both.summaryLine == "16 to add, 16 to change, 0 to drop, 32 unchanged")
    #expect(
      PlanDiff.edits([16, 64, 256], [16, 128, 256, 512]) == [64: 128]
        && PlanDiff.edits([64, 128], [128, 64]).isEmpty)
  }

  @Test func movedBoundChangesNamingTheField() throws {
    let d = try diff {
      $0.optimizers[0].metaparameters[.learningRate] = .search(
        .continuous(min: 1e-4, max: 10, scale: .log))
    }
    #expect(d.changed == 48)
    let first = try #require(d.cells.first?.trials.first)
    #expect(first.action == .change)
    #expect(
      first.fields == [FieldChange(field: "learning_rate", old: "0.01", new: "0.0316227766017")])
  }

  @Test func goalLoosenedIsAnalysisOnly() throws {
    let d = try diff { $0.goal = Goal(comparison: .atMost, threshold: 0.03) }
    #expect(d.unchanged == 48 && d.analysisOnly == 48 && d.extend == 0)
    #expect(!d.isEmpty)
    #expect(d.summaryLine == "0 to add, 0 to change, 0 to drop, 48 unchanged (48 analysis-only)")
    #expect(d.cells[0].trials[0].reasons.map(\.field) == ["goal"])
  }

  @Test func goalTightenedOrBudgetRaisedExtends() throws {
    let tighter = try diff { $0.goal = Goal(comparison: .atMost, threshold: 0.01) }
    #expect(tighter.extend == 48 && tighter.analysisOnly == 0)
    let strict = try diff { $0.goal = Goal(comparison: .below, threshold: 0.02) }
    #expect(strict.extend == 48)
    let budget = try diff { $0.budget = StepBudget(maxSteps: 8000) }
    #expect(budget.extend == 48)
    #expect(
      budget.cells[0].trials[0].reasons == [
        FieldChange(field: "max_steps", old: "4000", new: "8000")
      ])
    let lower = try diff { $0.budget = StepBudget(maxSteps: 2000) }
    #expect(lower.analysisOnly == 48 && lower.extend == 0)
  }

  @Test func optimizerKindChangeIsAChange() throws {
    let d = try diff { $0.optimizers[0].kind = .momentum }
    #expect(d.changed == 48)
    #expect(d.cells[0].trials[0].fields.map(\.field) == ["optimizer.kind"])
  }
}
