import Analysis
import WorkloadModel

/// A rendered figure: the file it is written to and its SVG text.
public struct Figure: Sendable {
  /// File name, without directory, e.g. `w1-mnist-sgd-steps.svg`; built only from slugs.
  public var fileName: String
  public var title: String
  public var svg: String
}

/// Names safe for files and URLs, made from user strings.
enum Slug {
  /// Lowercase ASCII letters and digits; every other run of characters becomes one `-`.
  static func make(_ text: String) -> String {
    var out = ""
    var pendingDash = false
    for scalar in text.lowercased().unicodeScalars {
      if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
        if pendingDash, !out.isEmpty { out += "-" }
        out.unicodeScalars.append(scalar)
        pendingDash = false
      } else {
        pendingDash = true
      }
    }
    return out.isEmpty ? "x" : String(out.prefix(40))
  }

  /// 0.9 -> "s90", 0.995 -> "s99.5".
  static func sparsity(_ s: Double) -> String {
    "s" + SparsityFormat.percent(s).replacingOccurrences(of: "%", with: "")
  }
}

/// Outcome colours and markers, shared by the landscape and the error curves.
enum OutcomeStyle {
  static func color(_ outcome: GoalOutcome) -> String {
    switch outcome {
    case .reached: return "#0072B2"
    case .notReached: return "#D55E00"
    case .dominated: return "#E69F00"
    case .stoppedAtStoredGoal: return "#56B4E9"
    case .diverged: return "#CC79A7"
    case .failed: return "#999999"
    case .unfinished: return "#999999"
    }
  }

  static func marker(_ outcome: GoalOutcome) -> Marker {
    switch outcome {
    case .reached: return .circle
    case .notReached: return .square
    case .dominated: return .triangle
    case .stoppedAtStoredGoal: return .diamond
    case .diverged: return .cross
    case .failed: return .plus
    case .unfinished: return .plus
    }
  }

  static func label(_ outcome: GoalOutcome) -> String {
    switch outcome {
    case .reached: return "reached"
    case .notReached: return "not reached (budget spent)"
    case .dominated: return "dominated (stopped early)"
    case .stoppedAtStoredGoal: return "stopped at the stored goal"
    case .diverged: return "diverged"
    case .failed: return "failed"
    case .unfinished: return "unfinished"
    }
  }
}

/// How a goal reads in titles: "validation error <= 0.02".
enum GoalText {
  static func describe(_ goal: Goal) -> String {
    "\(metricName(goal)) \(goal.comparison.rawValue) \(NumberFormat.exact(goal.threshold))"
  }

  static func metricName(_ goal: Goal) -> String {
    goal.metric == .validationError ? "validation error" : "validation cross-entropy"
  }
}
