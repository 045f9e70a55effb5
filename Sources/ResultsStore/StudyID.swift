/// A study's row in the store: one workload by name, with its current plan.
public struct StudyID: Hashable, Sendable, Codable {
  public var rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }
}
