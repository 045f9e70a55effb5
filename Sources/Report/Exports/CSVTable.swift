/// RFC 4180 CSV: a header row, comma separators, `\n` line ends, fields quoted only when they hold
/// a comma, a quote or a line break (quotes doubled). Built in one growing string, because the
/// evaluations table of a large study has millions of rows.
struct CSVTable {
  private(set) var text = ""

  init(header: [String], reserve: Int = 4096) {
    text.reserveCapacity(reserve)
    if !header.isEmpty { row(header) }
  }

  mutating func row(_ fields: [String]) {
    for (i, field) in fields.enumerated() {
      if i > 0 { text += "," }
      append(field)
    }
    text += "\n"
  }

  /// Appends one field; the fast path is a field that needs no quoting.
  mutating func append(_ field: String) {
    if field.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) {
      text += "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    } else {
      text += field
    }
  }

  /// `fields` as one CSV line without its line end.
  static func line(_ fields: [String]) -> String {
    var table = CSVTable(header: [])
    table.text = ""
    for (i, field) in fields.enumerated() {
      if i > 0 { table.text += "," }
      table.append(field)
    }
    return table.text
  }

  /// Appends raw text that is known to need no quoting (numbers), for the hot loops.
  mutating func appendRaw(_ raw: String) { text += raw }
}
