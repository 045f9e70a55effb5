/// Norms over the masked-trainable parameters (a nil mask keeps every entry), accumulated in
/// Double: a probe's differences of nearby gradients lose digits in Float sums of 60,000+ terms.
enum ProbeVector {
  static func squaredNorm(_ x: UnsafePointer<Float>, mask: UnsafePointer<Float>?, count: Int)
    -> Double
  {
    var sum = 0.0
    if let mask {
      for i in 0..<count where mask[i] != 0 {
        let v = Double(x[i])
        sum += v * v
      }
    } else {
      for i in 0..<count {
        let v = Double(x[i])
        sum += v * v
      }
    }
    return sum
  }

  /// ||a - b||^2 over the kept entries.
  static func squaredDistance(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, mask: UnsafePointer<Float>?, count: Int
  ) -> Double {
    var sum = 0.0
    if let mask {
      for i in 0..<count where mask[i] != 0 {
        let v = Double(a[i]) - Double(b[i])
        sum += v * v
      }
    } else {
      for i in 0..<count {
        let v = Double(a[i]) - Double(b[i])
        sum += v * v
      }
    }
    return sum
  }
}
