import Primitives

/// The one draw only initialisation needs, on the project's one generator (`Primitives`).
extension SplitMix64 {
  /// Standard normal by Box–Muller (one of the pair; the other is discarded for simplicity).
  public mutating func nextNormal() -> Double {
    let u1 = nextOpenUnit()
    let u2 = nextOpenUnit()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }
}


#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
