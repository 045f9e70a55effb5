import StepwiseDiagnostics
import Testing

@testable import YAMLSyntax

private func load(_ text: String, limits: YAMLLimits = .default) -> (YAMLNode?, [Diagnostic]) {
  let result = YAMLLoader(limits: limits).load(SourceFile(path: "t.yaml", text: text))
  return (result.root, result.diagnostics)
}

private func load(bytes: [UInt8]) -> (YAMLNode?, [Diagnostic]) {
  let result = YAMLLoader().load(SourceFile(path: "t.yaml", bytes: bytes))
  return (result.root, result.diagnostics)
}

@Suite struct YAMLLoaderTests {
  @Test func rangesCountCharactersNotBytes() throws {
    let (root, diags) = load("é: ü\nkey: [1, 2]\n")
    #expect(diags.isEmpty)
    let pairs = try #require(root?.mapping)
    #expect(pairs[0].value.range.start.column == 4)
    #expect(pairs[0].value.range.start.offset == 4)
    let items = try #require(pairs[1].value.sequence)
    #expect(items[1].range.start.line == 2)
    #expect(items[1].range.start.column == 10)
    #expect(items[1].range.end.column == 11)
  }

  @Test func duplicateKeyIsAnErrorAtTheSecondWithANoteAtTheFirst() {
    let (_, diags) = load("a: 1\nb: 2\na: 3\n")
    #expect(diags.map(\.id) == ["yaml.duplicate-key"])
    #expect(diags.first?.range.start.line == 3)
    #expect(diags.first?.notes.first?.range?.start.line == 1)
  }

  @Test func billionLaughsIsRefusedQuickly() {
    var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in 1...9 {
      let refs = Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ")
      text += "a\(i): &a\(i) [\(refs)]\n"
    }
    let clock = ContinuousClock()
    var diags: [Diagnostic] = []
    let elapsed = clock.measure { diags = load(text).1 }
    #expect(diags.map(\.id) == ["yaml.alias-expansion"])
    #expect(elapsed < .milliseconds(100))
  }

  @Test func modestAliasesAreCopies() throws {
    let (root, diags) = load("a: &x {min: 1, max: 2}\nb: *x\n")
    #expect(diags.isEmpty)
    let pairs = try #require(root?.mapping)
    #expect(pairs[1].value.mapping?.count == 2)
  }

  @Test(arguments: ["[", "- "])
  func deepNestingIsRefused(opener: String) {
    let text = String(repeating: opener, count: 100_000)
    let (_, diags) = load(text)
    #expect(diags.map(\.id).contains("yaml.too-deep"))
  }

  @Test func hugeFileIsRefusedBeforeParsing() {
    let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 10_000_000)
    let (root, diags) = load(bytes: bytes)
    #expect(root == nil)
    #expect(diags.map(\.id) == ["yaml.file-too-large"])
  }

  @Test func invalidUTF8IsRefusedWithAPosition() {
    let bytes = Array("a: 1\nb: x".utf8) + [0xC3, 0x28] + Array("\n".utf8)
    let (_, diags) = load(bytes: bytes)
    #expect(diags.map(\.id) == ["yaml.invalid-utf8"])
    #expect(diags.first?.range.start.line == 2)
    #expect(diags.first?.range.start.column == 5)
  }

  @Test func byteOrderMarkIsSkipped() throws {
    let (root, diags) = load(bytes: [0xEF, 0xBB, 0xBF] + Array("a: b\n".utf8))
    #expect(diags.isEmpty)
    let pairs = try #require(root?.mapping)
    #expect(pairs[0].value.range.start.column == 4)
    #expect(pairs[0].value.range.start.offset == 6)
  }

  @Test func secondDocumentIsRefused() {
    let (_, diags) = load("a: 1\n---\nb: 2\n")
    #expect(diags.map(\.id) == ["yaml.multiple-documents"])
    #expect(diags.first?.range.start.line == 2)
  }

  @Test func tabIndentationGetsAHint() {
    let (_, diags) = load("a:\n\tb: 1\n")
    #expect(diags.map(\.id) == ["yaml.syntax"])
    #expect(diags.first?.detail?.contains("tabs") == true)
    #expect(diags.first?.range.start.line == 2)
  }

  @Test func parseErrorHasAContextNote() {
    let (_, diags) = load("a:\n  b: 1\n c: 2\n")
    #expect(diags.first?.id == "yaml.syntax")
    #expect(diags.first?.notes.isEmpty == false)
  }

  @Test func mergeKeysAndCustomTagsAreRefused() {
    let (_, diags) = load("a: &x {p: 1}\nb:\n  <<: *x\nc: !custom 3\nd: !!str 4\n")
    #expect(diags.map(\.id) == ["yaml.merge-key", "yaml.unsupported-tag"])
  }

  @Test func emptyFileHasNoRoot() {
    let (root, diags) = load("")
    #expect(root == nil)
    #expect(diags.isEmpty)
  }
}
