import StepwiseDiagnostics
import Testing
import WorkloadLoading

/// Inputs too big to commit: generated here and pushed through the whole loader.
struct LimitsTests {
  let loader = WorkloadLoader(environment: [:])

  @Test func hundredThousandLevelsOfNestingAreRefused() {
    let clock = ContinuousClock()
    let start = clock.now
    defer { #expect(clock.now - start < .seconds(5)) }
    for opener in ["[", "{a: ", "- "] {
      let text = "stepwise: 1\nmodel: " + String(repeating: opener, count: 100_000)
      let (workload, diagnostics) = loader.load(SourceFile(path: "deep.yaml", text: text))
      #expect(workload == nil)
      // libyaml itself gives up on '{a: {a: …' (an unresolved simple key) before the depth
      // limit is reached; either way the file is refused with one error.
      #expect(diagnostics.count == 1, "\(opener)")
      #expect(["yaml.too-deep", "yaml.syntax"].contains(diagnostics.first?.id.rawValue ?? ""))
    }
  }

  @Test func tenMegabyteFileIsRefused() {
    let line = "# " + String(repeating: "x", count: 97) + "\n"
    let text = String(repeating: line, count: 100_000)
    let (workload, diagnostics) = loader.load(SourceFile(path: "big.yaml", text: text))
    #expect(workload == nil)
    #expect(diagnostics.map(\.id) == ["yaml.file-too-large"])
  }

  @Test func longScalarIsRefused() {
    let text = "stepwise: 1\nname: " + String(repeating: "n", count: 70_000) + "\n"
    let (_, diagnostics) = loader.load(SourceFile(path: "long.yaml", text: text))
    #expect(diagnostics.map(\.id).contains("yaml.scalar-too-long"))
  }
}
