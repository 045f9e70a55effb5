import StepwiseDiagnostics

/// Every diagnostic the YAML layer emits, in one catalog so that IDs stay stable and wording stays
/// consistent. IDs start with `yaml.`.
enum YAMLMessages {
  static func fileTooLarge(_ file: SourceFile, limit: Int) -> Diagnostic {
    .error(
      "yaml.file-too-large",
      "file is \(file.bytes.count) bytes, more than the \(limit)-byte limit for a workload",
      detail: "a workload is a short hand-written file; generate large lists with a range such as "
        + "'{powers_of_two: [2, 16384]}' instead",
      at: file.startRange)
  }

  static func notUTF8(_ file: SourceFile) -> Diagnostic {
    .error(
      "yaml.not-utf8", "file is UTF-16 or UTF-32; workload files must be UTF-8",
      detail: "re-save the file as UTF-8", at: file.startRange)
  }

  static func invalidUTF8(_ file: SourceFile, _ failure: UTF8Check.Failure) -> Diagnostic {
    let p = file.position(ofByte: failure.offset)
    return .error(
      "yaml.invalid-utf8", "invalid UTF-8: \(failure.reason)",
      detail: "workload files must be UTF-8; re-save the file as UTF-8 or remove byte "
        + "\(failure.offset)",
      at: SourceRange(path: file.path, start: p, end: p))
  }

  static func parserUnavailable(_ file: SourceFile) -> Diagnostic {
    .error(
      "yaml.internal", "libyaml could not be initialised (out of memory?)", at: file.startRange)
  }

  static func multipleDocuments(at range: SourceRange, first: SourceRange?) -> Diagnostic {
    .error(
      "yaml.multiple-documents", "a workload file holds exactly one YAML document",
      detail: "put each workload in its own file, or remove this '---' and what follows",
      at: range, notes: first.map { [Note("the workload's document starts here", at: $0)] } ?? [])
  }

  static func scalarTooLong(at range: SourceRange, limit: Int) -> Diagnostic {
    .error(
      "yaml.scalar-too-long", "value is longer than \(limit) bytes",
      detail: "no workload value needs to be this long", at: range)
  }

  static func tooDeep(at range: SourceRange, limit: Int) -> Diagnostic {
    .error(
      "yaml.too-deep", "nesting is deeper than \(limit) levels",
      detail: "a workload nests a few levels deep; check for runaway brackets or indentation",
      at: range)
  }

  static func tooManyNodes(at range: SourceRange, limit: Int) -> Diagnostic {
    .error(
      "yaml.too-many-nodes", "document has more than \(limit) values",
      detail: "a workload has at most a few thousand values", at: range)
  }

  static func undefinedAlias(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(
      "yaml.undefined-alias", "alias '*\(name)' refers to no anchor defined before it",
      detail: "define '&\(name)' on an earlier value, or check the spelling", at: range)
  }

  static func aliasExpansion(_ name: String, at range: SourceRange, anchor: SourceRange, limit: Int)
    -> Diagnostic
  {
    .error(
      "yaml.alias-expansion", "aliases expand to more than \(limit) values",
      detail: "aliases may share a value a few times; this file multiplies values through nested "
        + "aliases (a 'billion laughs' pattern) and was refused without expanding it",
      at: range, notes: [Note("anchor '&\(name)' is defined here", at: anchor)])
  }

  static func duplicateKey(_ key: String, at range: SourceRange, first: SourceRange) -> Diagnostic {
    .error(
      "yaml.duplicate-key", "duplicate key '\(key)'",
      detail: "a key may appear once per mapping; remove one of the two or merge them",
      at: range, notes: [Note("'\(key)' first appears here", at: first)])
  }

  static func mergeKey(at range: SourceRange) -> Diagnostic {
    .error(
      "yaml.merge-key", "merge keys ('<<') are not supported",
      detail: "write the keys out, or share a whole value with an anchor ('&name') and an alias "
        + "('*name')",
      at: range)
  }

  static func complexKey(at range: SourceRange, found: String) -> Diagnostic {
    .error(
      "yaml.complex-key", "mapping key must be a scalar, found \(found)",
      detail: "workload keys are plain words such as 'batch_sizes'", at: range)
  }

  static func unsupportedTag(_ tag: String, at range: SourceRange) -> Diagnostic {
    .error(
      "yaml.unsupported-tag", "tag '\(tag)' is not supported here",
      detail: "only the core tags !!str, !!int, !!float, !!bool and !!null (on scalars), !!seq "
        + "and !!map may be written; remove the tag",
      at: range)
  }

  /// A libyaml scanner or parser error, with a hint for the usual causes.
  static func syntax(_ problem: String, at range: SourceRange, character: UInt8?, notes: [Note])
    -> Diagnostic
  {
    var detail: String?
    if character == UInt8(ascii: "\t") || problem.contains("tab") {
      detail = "YAML does not allow tabs for indentation; indent with spaces"
    } else if problem.contains("mapping values are not allowed") {
      detail = "a value that contains ': ' must be quoted, or this key is indented wrongly"
    } else if problem.contains("did not find expected key") {
      detail = "check that this line is indented like the other keys of its mapping"
    } else if problem.contains("did not find expected ',' or ']'") {
      detail = "close the flow sequence with ']' and separate its items with ','"
    } else if problem.contains("did not find expected ',' or '}'") {
      detail = "close the flow mapping with '}' and separate its entries with ','"
    } else if problem.contains("could not find expected ':'") {
      detail = "a key must be followed by ': ' and its value"
    } else if problem.contains("found unexpected end of stream") {
      detail = "a quoted value or bracket is not closed"
    } else if problem.contains("control characters are not allowed") {
      detail = "remove the control character; only tabs and line breaks may appear"
    } else if problem.contains("cannot start any token") {
      detail = "quote the value if this character belongs to it"
    } else if problem.contains("undefined tag handle") {
      detail = "declare the handle with a %TAG directive, or remove the tag"
    } else if problem.contains("did not find expected <document start>") {
      detail = "a workload file holds one YAML document, with nothing after it"
    } else if problem.contains("block sequence entries are not allowed") {
      detail = "a '- ' item cannot follow a key's value on the same line; start it on a new line"
    }
    return .error("yaml.syntax", problem, detail: detail, at: range, notes: notes)
  }
}
