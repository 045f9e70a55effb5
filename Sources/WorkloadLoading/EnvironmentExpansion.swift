/// `${NAME}` and `${NAME:-default}` in `dataset.directory`, the one place the language reads the
/// environment (so that a workload names data locations portably and nothing else varies by
/// machine). `$$` is a literal `$`; any other `$` is an error, so a typo is never a silent path.
enum EnvironmentExpansion {
  enum Failure: Error, Equatable {
    /// The variable is unset (or empty) and has no default.
    case unset(name: String, column: Int)
    /// A `$` not followed by `{NAME}`, `{NAME:-default}` or `$`.
    case malformed(column: Int)
  }

  /// The expanded text, or the first problem with its 0-based character offset in `text`.
  static func expand(_ text: String, environment: [String: String]) -> Result<String, Failure> {
    let chars = Array(text)
    var out = ""
    var i = 0
    while i < chars.count {
      let c = chars[i]
      guard c == "$" else {
        out.append(c)
        i += 1
        continue
      }
      if i + 1 < chars.count, chars[i + 1] == "$" {
        out.append("$")
        i += 2
        continue
      }
      guard i + 1 < chars.count, chars[i + 1] == "{",
        let close = chars[(i + 2)...].firstIndex(of: "}")
      else { return .failure(.malformed(column: i)) }
      let inside = String(chars[(i + 2)..<close])
      let name: String
      let fallback: String?
      if let r = inside.firstRange(of: ":-") {
        name = String(inside[..<r.lowerBound])
        fallback = String(inside[r.upperBound...])
      } else {
        name = inside
        fallback = nil
      }
      guard isValidName(name) else { return .failure(.malformed(column: i)) }
      if let value = environment[name], !value.isEmpty {
        out += value
      } else if let fallback {
        out += fallback
      } else {
        return .failure(.unset(name: name, column: i))
      }
      i = close + 1
    }
    return .success(out)
  }

  static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first,
      first == "_" || first.properties.isASCIIHexDigit
        || ("A"..."Z").contains(first) || ("a"..."z").contains(first)
    else { return false }
    if ("0"..."9").contains(first) { return false }
    return name.unicodeScalars.allSatisfy {
      $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
    }
  }
}
