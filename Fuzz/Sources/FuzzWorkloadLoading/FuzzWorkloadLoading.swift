import StepwiseDiagnostics
import WorkloadLoading

/// One libFuzzer input: arbitrary bytes through the whole front end. Any trap, crash, hang or
/// sanitizer report is a bug; diagnostics are the expected outcome for bad input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkloadLoading(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let file = SourceFile(path: "fuzz.yaml", bytes: bytes)
  let loader = WorkloadLoader(environment: ["STEPWISE_DATA": "/data"])
  let (_, diagnostics) = loader.load(file)
  _ = DiagnosticRenderer(files: [file]).render(diagnostics)
  _ = DiagnosticRenderer(files: [file], decorator: ANSIDecorator()).render(diagnostics)
  _ = DiagnosticJSONDocument(diagnostics).encoded()
  return 0
}
