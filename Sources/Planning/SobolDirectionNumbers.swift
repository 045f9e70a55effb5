/// Joe and Kuo's direction numbers for Sobol sequences, file `new-joe-kuo-6.21201`
/// (S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional projections",
/// SIAM J. Sci. Comput. 30:2635-2654, 2008; https://web.maths.unsw.edu.au/~fkuo/sobol/).
///
/// The rows below are that file's rows d = 2 ... 21 as (s, a, m_1 ... m_s): the degree of the
/// primitive polynomial, its interior coefficients as a bit field, and the initial direction
/// integers. They were transcribed from SciPy 1.17.1's `scipy/stats/_sobol_direction_numbers.npz`
/// (`poly[d-1]` holds the polynomial with its leading and trailing ones, so s = bitLength - 1 and
/// a = (poly >> 1) & (2^(s-1) - 1); `vinit[d-1, 0..<s]` holds m), which is the same file; the first
/// rows agree with the published text ("2 1 0 1", "3 2 1 1 3", "4 3 1 1 3 1", ...).
/// Dimension 1 is the van der Corput sequence in base 2 and needs no row.
enum SobolDirectionNumbers {
  struct Row: Sendable {
    var degree: Int
    var coefficients: UInt32
    var initial: [UInt32]
  }

  static let rows: [Row] = [
    Row(degree: 1, coefficients: 0, initial: [1]),  // d = 2
    Row(degree: 2, coefficients: 1, initial: [1, 3]),  // d = 3
    Row(degree: 3, coefficients: 1, initial: [1, 3, 1]),  // d = 4
    Row(degree: 3, coefficients: 2, initial: [1, 1, 1]),  // d = 5
    Row(degree: 4, coefficients: 1, initial: [1, 1, 3, 3]),  // d = 6
    Row(degree: 4, coefficients: 4, initial: [1, 3, 5, 13]),  // d = 7
    Row(degree: 5, coefficients: 2, initial: [1, 1, 5, 5, 17]),  // d = 8
    Row(degree: 5, coefficients: 4, initial: [1, 1, 5, 5, 5]),  // d = 9
    Row(degree: 5, coefficients: 7, initial: [1, 1, 7, 11, 19]),  // d = 10
    Row(degree: 5, coefficients: 11, initial: [1, 1, 5, 1, 1]),  // d = 11
    Row(degree: 5, coefficients: 13, initial: [1, 1, 1, 3, 11]),  // d = 12
    Row(degree: 5, coefficients: 14, initial: [1, 3, 5, 5, 31]),  // d = 13
    Row(degree: 6, coefficients: 1, initial: [1, 3, 3, 9, 7, 49]),  // d = 14
    Row(degree: 6, coefficients: 13, initial: [1, 1, 1, 15, 21, 21]),  // d = 15
    Row(degree: 6, coefficients: 16, initial: [1, 3, 1, 13, 27, 49]),  // d = 16
    Row(degree: 6, coefficients: 19, initial: [1, 1, 1, 15, 7, 5]),  // d = 17
    Row(degree: 6, coefficients: 22, initial: [1, 3, 1, 15, 13, 25]),  // d = 18
    Row(degree: 6, coefficients: 25, initial: [1, 1, 5, 5, 19, 61]),  // d = 19
    Row(degree: 7, coefficients: 1, initial: [1, 3, 7, 11, 23, 15, 103]),  // d = 20
    Row(degree: 7, coefficients: 4, initial: [1, 3, 7, 13, 13, 15, 69]),  // d = 21
  ]

  /// Dimensions available: dimension 1 plus one per row.
  static var maxDimensions: Int { rows.count + 1 }
}
