import ArgumentParser

extension Stepwise {
  /// `stepwise schema`: the JSON Schema of the workload language, for editors and tools.
  struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the JSON Schema (draft-07) of the workload language.",
      discussion: """
        Editors that use the YAML language server complete and check workloads from it: save \
        it as workload.schema.json and start a workload with \
        '# yaml-language-server: $schema=workload.schema.json'. The schema checks shapes and \
        types; 'stepwise validate' also checks what a schema cannot (min < max, shapes of \
        layers, batch sizes against the dataset).
        """)

    func run() throws {
      print(EmbeddedSchema.text, terminator: "")
    }
  }
}
