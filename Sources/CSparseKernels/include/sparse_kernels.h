// Sparse-weight convolution and dense kernels for pruned networks (see README.md).
//
// Every kernel exists twice: compiled for AVX2+FMA (`__attribute__((target("avx2,fma")))`) and
// for baseline x86-64 (SSE2, no FMA); `sw_sparse_path()` picks one on first use with
// `__builtin_cpu_supports`. Ranges (`first`, `end`) let the caller split work across threads:
// each call writes only its range's outputs, in a fixed order, so results never depend on how
// the work was split.
#ifndef STEPWISE_SPARSE_KERNELS_H
#define STEPWISE_SPARSE_KERNELS_H

#include <stdint.h>

/// A convolution's shape and its per-example "prepared" input: zero-padded, then split into
/// strideHeight x strideWidth phase planes of phaseHeight x phaseWidth, so that a stride-s
/// convolution reads contiguous rows. Kept entry (c, kh, kw) of an output channel reads, for
/// output (oh, ow), prepared[offset + oh * phaseWidth + ow], where offset =
/// ((kh % sH * sW + kw % sW) * inChannels + c) * phaseHeight * phaseWidth
///   + (kh / sH) * phaseWidth + kw / sW.
typedef struct {
  int32_t inChannels, inHeight, inWidth;
  int32_t outChannels, outHeight, outWidth;
  int32_t kernelHeight, kernelWidth;
  int32_t strideHeight, strideWidth;
  int32_t padTop, padLeft;
  int32_t phaseHeight, phaseWidth;
  /// Floats per example of the prepared input (all phases, channels and slack).
  int64_t preparedCount;
} sw_conv_shape;

/// Kept weights in compressed rows (one row per output channel for convolutions, one per output
/// unit for dense layers): row r holds entries rowStart[r] ..< rowStart[r + 1]; entry e is the
/// weight at flat index weightIndex[e] of the dense weight tensor, reading input at offset[e]
/// (prepared-input offset for convolutions, input unit for dense layers).
typedef struct {
  const int32_t *rowStart;
  const int32_t *offset;
  const int32_t *weightIndex;
} sw_sparse_rows;

/// 1 if the AVX2+FMA kernels run, 0 for the portable ones.
int sw_sparse_path(void);
/// Forces the portable kernels (1) or the best available (0); for tests.
void sw_sparse_force_portable(int force);

/// Writes the prepared inputs of examples first ..< end (the padding and slack of `prepared`
/// must be zero already: they are never written).
void sw_conv_prepare(const sw_conv_shape *s, const float *x, float *prepared, int first, int end);

/// y[n, o] = bias[o] + sum of kept w * x (then relu if `relu`), examples first ..< end.
void sw_conv_forward(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *prepared, const float *weights,
  const float *bias, float *y, int relu, int first, int end);

/// dx of examples first ..< end; `scratch` holds preparedCount floats (one per thread).
void sw_conv_backward_data(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *weights, const float *dy, float *dx,
  float *scratch, int first, int end);

/// Weight gradients at kept entries of output channels first ..< end, summed over `batch`
/// examples: diffWeights[weightIndex[e]] = sum_n sum_(oh,ow) dy * prepared; diffBias[o] = sum
/// of dy. `partial` holds 8 floats per entry of those channels. Other weights are not written.
void sw_conv_backward_weights(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *prepared, const float *dy,
  int batch, float *diffWeights, float *diffBias, float *partial, int first, int end);

/// b[c * ldb + r] = a[r * lda + c] for rows first ..< end of a (rows x cols).
void sw_transpose(const float *a, int lda, int cols, float *b, int ldb, int first, int end);

/// Dense layer on transposed activations (feature-major, `lanes` examples per feature row, a
/// multiple of 8, zero beyond the batch): yt[j] = bias[j] + sum of kept w[j, i] * xt[i], for
/// output units first ..< end.
void sw_dense_forward(
  sw_sparse_rows rows, const float *weights, const float *bias, const float *xt, float *yt,
  int lanes, int first, int end);

/// diffWeights[weightIndex[e]] = dot(dyt[j], xt[offset[e]]) for kept entries of units
/// first ..< end; other weights are not written.
void sw_dense_backward_weights(
  sw_sparse_rows rows, const float *xt, const float *dyt, int lanes, float *diffWeights,
  int first, int end);

/// dxt[i, lanes l0 ..< l1] = sum over kept (j, i) of w[j, i] * dyt[j, l]: the input gradient
/// for the lane range [laneFirst, laneEnd) (multiples of 8), all `units` rows, `inputs` rows
/// of dxt.
void sw_dense_backward_data(
  sw_sparse_rows rows, int units, int inputs, const float *weights, const float *dyt,
  float *dxt, int lanes, int laneFirst, int laneEnd);

/// y = relu(2x2 stride-2 max pool of x) over `planes` planes of even height x width.
void sw_maxpool2_forward(const float *x, float *y, int planes, int height, int width);

/// dx = the gradient of `sw_maxpool2_forward` given dy: dy to each window's first maximum
/// (row-major), only where it is positive; zero elsewhere.
void sw_maxpool2_backward(
  const float *x, const float *dy, float *dx, int planes, int height, int width);

#endif
