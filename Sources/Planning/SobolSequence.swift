/// The unscrambled Sobol sequence with Joe-Kuo direction numbers, 30 bits, in Gray-code order:
/// point n equals SciPy's `qmc.Sobol(d, scramble=False, bits=30).random(n + 1)[n]`, bit for bit.
///
/// Point n is the XOR of the direction integers v_j for the set bits j of gray(n) = n ^ (n >> 1).
/// That is what the usual recurrence (flip one direction per step) computes, but it can be
/// evaluated at any index, so a plan never has to generate the points before the ones it needs,
/// and raising the trial count only appends points.
public struct SobolSequence: Sendable, Hashable {
  /// Bits of each coordinate; coordinates are multiples of 2^-30 in [0, 1).
  public static let bits = 30
  public static var maxDimensions: Int { SobolDirectionNumbers.maxDimensions }

  public let dimensions: Int
  /// `directions[d][j]` is v_j of dimension d, left-aligned in 30 bits.
  let directions: [[UInt32]]

  /// - Precondition: `1 <= dimensions <= maxDimensions` (the plan compiler diagnoses this first).
  public init(dimensions: Int) {
    precondition(dimensions >= 1 && dimensions <= Self.maxDimensions, "unsupported dimensions")
    self.dimensions = dimensions
    var directions: [[UInt32]] = []
    let bits = Self.bits
    // Dimension 1: m_j = 1 for every j, so v_j = 2^(bits - 1 - j).
    directions.append((0..<bits).map { UInt32(1) << UInt32(bits - 1 - $0) })
    for row in SobolDirectionNumbers.rows.prefix(dimensions - 1) {
      let s = row.degree
      var m = [UInt32](repeating: 0, count: bits)
      for j in 0..<s { m[j] = row.initial[j] }
      // Bratley-Fox recurrence in Joe-Kuo's notation:
      // m_j = 2 a_1 m_{j-1} ^ 4 a_2 m_{j-2} ^ ... ^ 2^(s-1) a_{s-1} m_{j-s+1} ^ 2^s m_{j-s} ^ m_{j-s}
      if s < bits {
        for j in s..<bits {
          var value = m[j - s] ^ (m[j - s] << UInt32(s))
          for k in 1..<s where (row.coefficients >> UInt32(s - 1 - k)) & 1 == 1 {
            value ^= m[j - k] << UInt32(k)
          }
          m[j] = value
        }
      }
      directions.append((0..<bits).map { m[$0] << UInt32(bits - 1 - $0) })
    }
    self.directions = directions
  }

  /// The 30-bit integer numerators of point `index` (coordinate = numerator / 2^30).
  public func numerators(_ index: Int) -> [UInt32] {
    precondition(index >= 0 && index < 1 << Self.bits, "index out of range")
    let gray = UInt32(index ^ (index >> 1))
    return directions.map { v in
      var x: UInt32 = 0
      var g = gray
      var j = 0
      while g != 0 {
        if g & 1 == 1 { x ^= v[j] }
        g >>= 1
        j += 1
      }
      return x
    }
  }

  /// Point `index` in [0, 1)^dimensions (index 0 is the all-zero point).
  public func point(_ index: Int) -> [Double] {
    numerators(index).map { Double($0) / Double(1 << Self.bits) }
  }
}
