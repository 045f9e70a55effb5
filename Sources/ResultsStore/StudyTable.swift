import Planning
import Scheduling
import WorkloadModel

/// Every trial of a study with its curve, as parallel arrays: what `stepwise report` reads.
///
/// Trial i's curve is `steps[curveStart[i] ..< curveStart[i + 1]]` (and the same range of
/// `validationError`, `validationLoss`, `trainingLoss`), sorted by step. Flat arrays instead of an
/// array of structs with arrays keep 100,000 trials and 2,000,000 points to a few allocations.
public struct StudyTable: Sendable {
  public var keys: [TrialKey] = []
  public var cells: [CellID] = []
  public var indices: [Int] = []
  public var states: [TrialState] = []
  /// nil unless reached.
  public var stepsToResult: [Int?] = []
  public var stepsRun: [Int] = []
  public var maxSteps: [Int] = []
  public var bestMetric: [Double?] = []
  public var metaparameters: [[Metaparameter: Double]] = []
  public var wallSeconds: [Double] = []

  /// `trials + 1` offsets into the curve arrays.
  public var curveStart: [Int] = [0]
  public var steps: [Int32] = []
  public var validationError: [Double] = []
  public var validationLoss: [Double] = []
  /// NaN where the trainer did not record it.
  public var trainingLoss: [Double] = []
  /// Wrong answers, examples evaluated and the split's size per point (-1: not counted, a point
  /// migrated from a store whose error was not an exact fraction). `examplesSeen` below
  /// `examplesTotal` marks an evaluation that exited early: its error and loss are lower bounds.
  public var wrong: [Int32] = []
  public var examplesSeen: [Int32] = []
  public var examplesTotal: [Int32] = []

  public init() {}

  public var count: Int { keys.count }

  /// The index range of trial `i`'s curve points.
  public func curveRange(_ i: Int) -> Range<Int> { curveStart[i]..<curveStart[i + 1] }
}
