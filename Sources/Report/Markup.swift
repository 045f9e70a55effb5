/// Escaping for SVG and HTML text and attribute values. Every string that comes from a user
/// (workload names, optimizer names, layer names, paths) passes through here before it is written.
public enum Markup {
  /// Replaces `& < > " '` with character references, so the text can sit in element content or
  /// in a single- or double-quoted attribute.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// `text` cut to `limit` characters with an ellipsis, for legends and tick labels; the full
  /// text goes into a `<title>` tooltip.
  static func truncate(_ text: String, to limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
  }
}
