/// A zero-filled `Double` buffer owned by the exact-curvature engine.
///
/// Raw pointers keep the layer loops free of closures and copy-on-write checks; the class frees
/// the memory when the last pass that uses it ends.
final class ScratchBuffer {
  let pointer: UnsafeMutablePointer<Double>
  let count: Int

  init(count: Int) {
    self.count = count
    pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

  convenience init(_ values: [Double]) {
    self.init(count: values.count)
    for index in values.indices { pointer[index] = values[index] }
  }

  deinit {
    pointer.deallocate()
  }

  var array: [Double] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
