import Testing

@testable import StepwiseDiagnostics

struct RendererTests {
  func diagnostic(_ file: SourceFile, line: Int, from: Int, to: Int, detail: String? = nil)
    -> Diagnostic
  {
    let start = file.lineStarts[line - 1]
    let text = Array(file.lineText(line).unicodeScalars)
    let startByte = start + text[..<(from - 1)].reduce(0) { $0 + String($1).utf8.count }
    let endByte = start + text[..<(to - 1)].reduce(0) { $0 + String($1).utf8.count }
    let range = SourceRange(
      path: file.path, start: file.position(ofByte: startByte), end: file.position(ofByte: endByte))
    return .error("test.id", "something is wrong", detail: detail, at: range)
  }

  @Test func caretCoversTheRangeWithContextLine() {
    let file = SourceFile(path: "w.yaml", text: "optimizer:\n  kind: sgdd\n")
    let d = diagnostic(file, line: 2, from: 9, to: 13, detail: "did you mean 'sgd'?")
    let out = DiagnosticRenderer(files: [file]).render(d)
    #expect(
      out == """
        w.yaml:2:9: error: something is wrong
           1 | optimizer:
           2 |   kind: sgdd
             |         ^~~~
             = help: did you mean 'sgd'?

        """)
  }

  @Test func tabsAndWideCharactersShiftTheCaret() {
    let file = SourceFile(path: "w.yaml", text: "a:\té漢 bad\n")
    // columns: a=1 :=2 tab=3 é=4 漢=5 space=6 b=7
    let d = diagnostic(file, line: 1, from: 7, to: 10)
    #expect(d.range.start.column == 7)
    #expect(d.range.start.offset == 9)
    let out = DiagnosticRenderer(files: [file]).render(d)
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines[1] == "   1 | a:  é漢 bad")
    // a, :, two cells of tab, é, two cells of 漢, space: b starts at cell 8.
    #expect(lines[2] == "     |         ^~~")
  }

  @Test func byteOrderMarkIsNotAColumn() {
    let file = SourceFile(path: "w.yaml", bytes: [0xEF, 0xBB, 0xBF] + Array("ab: c\n".utf8))
    #expect(file.position(ofByte: 7).column == 5)
    let d = Diagnostic.error(
      "x", "s",
      at: SourceRange(
        path: "w.yaml", start: file.position(ofByte: 7), end: file.position(ofByte: 8)))
    let out = DiagnosticRenderer(files: [file]).render(d)
    #expect(out.contains("   1 | ab: c\n     |     ^\n"))
  }

  @Test func notesAndFixItsAreShown() {
    let file = SourceFile(path: "w.yaml", text: "kind: sgd\nmomentum: 0.9\n")
    var d = diagnostic(file, line: 2, from: 1, to: 9)
    d.notes = [Note("kind is chosen here", at: diagnostic(file, line: 1, from: 7, to: 10).range)]
    d.fixIt = FixIt(replacing: d.range, with: "")
    let out = DiagnosticRenderer(files: [file], showsContextLine: false).render(d)
    #expect(out.contains("= fix: remove 'momentum'\n"))
    #expect(out.hasSuffix("w.yaml:1:7: note: kind is chosen here\n"))
  }

  @Test func ansiDecoratorColoursOnlyWhatItDecorates() {
    let file = SourceFile(path: "w.yaml", text: "x: 1\n")
    let d = diagnostic(file, line: 1, from: 4, to: 5)
    let plain = DiagnosticRenderer(files: [file]).render(d)
    let colour = DiagnosticRenderer(files: [file], decorator: ANSIDecorator()).render(d)
    #expect(colour.contains("\u{1B}[1;31merror:\u{1B}[0m"))
    let stripped = colour.replacing(/\x{1B}\[[0-9;]*m/, with: "")
    #expect(stripped == plain)
  }

  @Test func jsonIsVersionedAndStable() {
    let file = SourceFile(path: "w.yaml", text: "x: 1\n")
    let d = diagnostic(file, line: 1, from: 4, to: 5)
    let json = DiagnosticJSONDocument([d]).encoded()
    #expect(json.contains("\"formatVersion\" : 1"))
    #expect(json.contains("\"errorCount\" : 1"))
    #expect(json == DiagnosticJSONDocument([d]).encoded())
  }

  @Test(
    arguments: [
      ("momentun", ["momentum", "kind"], "momentum"),
      ("learning-rate", ["learning_rate", "momentum"], "learning_rate"),
      ("shcedule", ["schedule", "search"], "schedule"),
      ("zzz", ["momentum", "kind"], nil),
    ] as [(String, [String], String?)])
  func suggestions(word: String, candidates: [String], expected: String?) {
    #expect(Suggestions.closest(to: word, in: candidates) == expected)
  }

  @Test func editDistanceCountsTranspositionsOnce() {
    #expect(Suggestions.editDistance(Array("ab"), Array("ba")) == 1)
    #expect(Suggestions.editDistance(Array("kitten"), Array("sitting")) == 3)
  }
}
