internal import CSparseKernels

/// The kept weights of one tensor in compressed rows, built once from its 0/1 mask (masks never
/// change during a trial): one row per output channel or unit, each entry the weight's flat
/// index and the input offset it reads (see `sw_sparse_rows` in `CSparseKernels`).
final class SparseRows {
  let rows: Int
  let count: Int
  let rowStart: UnsafeMutableBufferPointer<Int32>
  let offset: UnsafeMutableBufferPointer<Int32>
  let weightIndex: UnsafeMutableBufferPointer<Int32>

  /// `mask` is `rows x perRow`, row-major; `inputOffset(k)` is the input offset of the `k`-th
  /// weight within a row. `source(r, k)`, when given, is the flat index in `mask` (and in the
  /// weights) of row r's k-th weight (a transposed or flipped view); row-major otherwise.
  /// `order`, when given, is the order in which each row lists its weights (a permutation of
  /// `0..<perRow`).
  init(
    rows: Int, perRow: Int, mask: UnsafePointer<Float>, inputOffset: (Int) -> Int,
    source: ((Int, Int) -> Int)? = nil, order: [Int]? = nil
  ) {
    self.rows = rows
    let index = source ?? { r, k in r * perRow + k }
    var kept = 0
    for i in 0..<(rows * perRow) where mask[i] != 0 { kept += 1 }
    count = kept
    rowStart = .allocate(capacity: rows + 1)
    offset = .allocate(capacity: max(kept, 1))
    weightIndex = .allocate(capacity: max(kept, 1))
    let offsets = (0..<perRow).map { Int32(inputOffset($0)) }
    var e = 0
    for r in 0..<rows {
      rowStart[r] = Int32(e)
      for k in order ?? Array(0..<perRow) where mask[index(r, k)] != 0 {
        offset[e] = offsets[k]
        weightIndex[e] = Int32(index(r, k))
        e += 1
      }
    }
    rowStart[rows] = Int32(e)
  }

  deinit {
    rowStart.deallocate()
    offset.deallocate()
    weightIndex.deallocate()
  }

  var c: sw_sparse_rows {
    sw_sparse_rows(
      rowStart: UnsafePointer(rowStart.baseAddress), offset: UnsafePointer(offset.baseAddress),
      weightIndex: UnsafePointer(weightIndex.baseAddress))
  }

  /// Splits rows into `parts` contiguous ranges of about equal kept entries (a static split that
  /// depends only on the mask, so per-row results never depend on it).
  func balancedRanges(_ parts: Int) -> [Range<Int>] {
    var bounds = [0]
    var r = 0
    for p in 1..<max(parts, 1) {
      let target = Int32(count * p / parts)
      while r < rows && rowStart[r] < target { r += 1 }
      bounds.append(max(r, bounds.last ?? 0))
    }
    bounds.append(rows)
    return (0..<(bounds.count - 1)).map { bounds[$0]..<max(bounds[$0], bounds[$0 + 1]) }
  }
}

/// Which compiled path the sparse kernels take on this machine.
public enum SparseKernelPath {
  /// `avx2+fma` (the kernels' `target("avx2,fma")` build) or `baseline x86-64` (SSE2, no FMA).
  public static var name: String { sw_sparse_path() != 0 ? "avx2+fma" : "baseline x86-64" }

  /// Forces the baseline build (tests compare the two); `false` restores the automatic choice.
  public static func forcePortable(_ force: Bool) { sw_sparse_force_portable(force ? 1 : 0) }
}

/// 64-byte-aligned zeroed floats owned by a sparse kernel.
final class AlignedFloats {
  let pointer: UnsafeMutablePointer<Float>
  let count: Int

  init(_ count: Int) {
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
    self.count = count
  }

  deinit { pointer.deallocate() }
}

extension KernelThreads {
  /// Runs `body(part, range)` for each of `parts` contiguous ranges of `0..<count` (at most one
  /// part per thread of the calling thread's count), on the OpenMP pool; a part index lets a
  /// body use per-part scratch.
  static func parallelParts(_ count: Int, _ body: (Int, Range<Int>) -> Void) {
    let parts = max(1, min(current, count))
    parallelFor(parts) { partRange in
      for p in partRange { body(p, (count * p / parts)..<(count * (p + 1) / parts)) }
    }
  }
}
