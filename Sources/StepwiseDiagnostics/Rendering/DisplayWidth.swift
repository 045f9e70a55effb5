/// Terminal cell widths of source characters, so that a caret lands under the right character
/// whatever precedes it on the line: tabs, combining marks and double-width (CJK, emoji) scalars.
enum DisplayWidth {
  /// Tabs are expanded to the next multiple of this column, like most editors show them.
  static let tabStop = 4

  /// Cells taken by one scalar that is not a tab.
  static func cells(of scalar: Unicode.Scalar) -> Int {
    let v = scalar.value
    switch v {
    case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F, 0xFEFF: return 0
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
      0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
      0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
      return 2
    default: return 1
    }
  }

  /// A line ready to print (tabs expanded, control characters made visible) and, for each scalar
  /// index, the display column where it starts (one extra entry for the end of the line).
  static func layout(_ line: String) -> (text: String, starts: [Int]) {
    var text = ""
    var starts: [Int] = []
    var column = 0
    for scalar in line.unicodeScalars {
      starts.append(column)
      if scalar == "\t" {
        let width = tabStop - column % tabStop
        text += String(repeating: " ", count: width)
        column += width
      } else if scalar.value < 0x20 || scalar.value == 0x7F {
        // A control character would move the terminal cursor; show a placeholder instead.
        text += "\u{FFFD}"
        column += 1
      } else {
        text.unicodeScalars.append(scalar)
        column += cells(of: scalar)
      }
    }
    starts.append(column)
    return (text, starts)
  }
}
