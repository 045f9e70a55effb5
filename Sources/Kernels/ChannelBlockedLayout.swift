internal import CDNNL

/// Where element `(n, c, h, w)` of a 4-D oneDNN memory lives, for layouts blocked on channels
/// only: plain NCHW/NHWC (`block` 1) or `nChw8c`/`nChw16c` (`block` 8/16, the layouts oneDNN's
/// AVX2/AVX-512 convolutions choose). Offset in elements:
/// `n * n + (c / block) * channelBlock + h * row + w * column + c % block`.
struct ChannelBlockedLayout: Equatable {
  var block: Int
  var batchStride: Int
  var channelBlockStride: Int
  var rowStride: Int
  var columnStride: Int
  /// Channels including the zero padding of the last block.
  var paddedChannels: Int

  /// The layout of `desc`, or nil if it is not a 4-D f32 layout blocked on channels only.
  init?(_ desc: dnnl_memory_desc_t) {
    guard desc.ndims == 4, desc.format_kind == dnnl_blocked, desc.data_type == dnnl_f32,
      desc.offset0 == 0
    else { return nil }
    let blocking = desc.format_desc.blocking
    switch blocking.inner_nblks {
    case 0: block = 1
    case 1 where blocking.inner_idxs.0 == 1: block = Int(blocking.inner_blks.0)
    default: return nil
    }
    batchStride = Int(blocking.strides.0)
    channelBlockStride = Int(blocking.strides.1)
    rowStride = Int(blocking.strides.2)
    columnStride = Int(blocking.strides.3)
    paddedChannels = Int(desc.padded_dims.1)
  }
}
