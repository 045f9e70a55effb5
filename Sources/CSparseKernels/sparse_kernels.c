#include "sparse_kernels.h"

#include <string.h>

// Eight floats; clang lowers it to one ymm register under target("avx2,fma") and to two xmm
// registers on baseline x86-64. The vector helpers are defined per path in kernel_bodies.h.
typedef float sw_v8 __attribute__((vector_size(32)));
typedef int32_t sw_i8 __attribute__((vector_size(32)));

// The baseline path passes 8-float vectors only between always-inlined helpers (no ABI use).
#pragma clang diagnostic ignored "-Wpsabi"

#define SW_INLINE static inline __attribute__((always_inline))

/// Flat prepared offset of padded position (c, hp, wp).
SW_INLINE int64_t sw_prepared_index(const sw_conv_shape *s, int c, int hp, int wp) {
  const int sh = s->strideHeight, sw = s->strideWidth;
  const int64_t phase = (int64_t)(hp % sh) * sw + wp % sw;
  return ((phase * s->inChannels + c) * s->phaseHeight + hp / sh) * s->phaseWidth + wp / sw;
}

/// dx of one example from its prepared-layout gradient (padding and slack dropped).
SW_INLINE void sw_unprepare(const sw_conv_shape *s, const float *prepared, float *dx) {
  const int C = s->inChannels, H = s->inHeight, W = s->inWidth;
  for (int c = 0; c < C; c++)
    for (int h = 0; h < H; h++) {
      float *row = dx + ((int64_t)c * H + h) * W;
      if (s->strideWidth == 1) {
        memcpy(row, prepared + sw_prepared_index(s, c, h + s->padTop, s->padLeft),
               sizeof(float) * (size_t)W);
      } else {
        for (int w = 0; w < W; w++)
          row[w] = prepared[sw_prepared_index(s, c, h + s->padTop, w + s->padLeft)];
      }
    }
}

#define SW_TARGET __attribute__((target("avx2,fma")))
#define SW_SUFFIX _avx2
#include "kernel_bodies.h"
#undef SW_TARGET
#undef SW_SUFFIX

#define SW_TARGET
#define SW_SUFFIX _portable
#include "kernel_bodies.h"
#undef SW_TARGET
#undef SW_SUFFIX

static int sw_detected = -1;
static int sw_forced_portable = 0;

int sw_sparse_path(void) {
  if (__atomic_load_n(&sw_forced_portable, __ATOMIC_RELAXED)) return 0;
  int path = __atomic_load_n(&sw_detected, __ATOMIC_RELAXED);
  if (path < 0) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    path = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    path = 0;
#endif
    __atomic_store_n(&sw_detected, path, __ATOMIC_RELAXED);
  }
  return path;
}

void sw_sparse_force_portable(int force) {
  __atomic_store_n(&sw_forced_portable, force ? 1 : 0, __ATOMIC_RELAXED);
}

void sw_conv_prepare(const sw_conv_shape *s, const float *x, float *prepared, int first, int end) {
  const int C = s->inChannels, H = s->inHeight, W = s->inWidth;
  for (int n = first; n < end; n++) {
    const float *xn = x + (int64_t)n * C * H * W;
    float *pn = prepared + (int64_t)n * s->preparedCount;
    for (int c = 0; c < C; c++)
      for (int h = 0; h < H; h++) {
        const float *row = xn + ((int64_t)c * H + h) * W;
        if (s->strideWidth == 1) {
          memcpy(pn + sw_prepared_index(s, c, h + s->padTop, s->padLeft), row,
                 sizeof(float) * (size_t)W);
        } else {
          for (int w = 0; w < W; w++)
            pn[sw_prepared_index(s, c, h + s->padTop, w + s->padLeft)] = row[w];
        }
      }
  }
}

void sw_conv_forward(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *prepared, const float *weights,
  const float *bias, float *y, int relu, int first, int end) {
  if (sw_sparse_path())
    conv_forward_avx2(s, rows, prepared, weights, bias, y, relu, first, end);
  else
    conv_forward_portable(s, rows, prepared, weights, bias, y, relu, first, end);
}

void sw_conv_backward_data(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *weights, const float *dy, float *dx,
  float *scratch, int first, int end) {
  if (sw_sparse_path())
    conv_backward_data_avx2(s, rows, weights, dy, dx, scratch, first, end);
  else
    conv_backward_data_portable(s, rows, weights, dy, dx, scratch, first, end);
}

void sw_conv_backward_weights(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *prepared, const float *dy,
  int batch, float *diffWeights, float *diffBias, float *partial, int first, int end) {
  if (sw_sparse_path())
    conv_backward_weights_avx2(s, rows, prepared, dy, batch, diffWeights, diffBias, partial, first, end);
  else
    conv_backward_weights_portable(s, rows, prepared, dy, batch, diffWeights, diffBias, partial, first, end);
}

void sw_transpose(const float *a, int lda, int cols, float *b, int ldb, int first, int end) {
  // Blocks of 8 rows so each source row is read sequentially and each destination row gets
  // 8 consecutive floats per visit.
  for (int r0 = first; r0 < end; r0 += 8) {
    const int r1 = r0 + 8 < end ? r0 + 8 : end;
    for (int c = 0; c < cols; c++)
      for (int r = r0; r < r1; r++) b[(int64_t)c * ldb + r] = a[(int64_t)r * lda + c];
  }
}

void sw_dense_forward(
  sw_sparse_rows rows, const float *weights, const float *bias, const float *xt, float *yt,
  int lanes, int first, int end) {
  if (sw_sparse_path())
    dense_forward_avx2(rows, weights, bias, xt, yt, lanes, first, end);
  else
    dense_forward_portable(rows, weights, bias, xt, yt, lanes, first, end);
}

void sw_dense_backward_weights(
  sw_sparse_rows rows, const float *xt, const float *dyt, int lanes, float *diffWeights,
  int first, int end) {
  if (sw_sparse_path())
    dense_backward_weights_avx2(rows, xt, dyt, lanes, diffWeights, first, end);
  else
    dense_backward_weights_portable(rows, xt, dyt, lanes, diffWeights, first, end);
}

void sw_dense_backward_data(
  sw_sparse_rows rows, int units, int inputs, const float *weights, const float *dyt,
  float *dxt, int lanes, int laneFirst, int laneEnd) {
  if (sw_sparse_path())
    dense_backward_data_avx2(rows, units, inputs, weights, dyt, dxt, lanes, laneFirst, laneEnd);
  else
    dense_backward_data_portable(rows, units, inputs, weights, dyt, dxt, lanes, laneFirst, laneEnd);
}

void sw_maxpool2_forward(const float *x, float *y, int planes, int height, int width) {
  if (sw_sparse_path())
    maxpool2_forward_avx2(x, y, planes, height, width);
  else
    maxpool2_forward_portable(x, y, planes, height, width);
}

void sw_maxpool2_backward(
  const float *x, const float *dy, float *dx, int planes, int height, int width) {
  if (sw_sparse_path())
    maxpool2_backward_avx2(x, dy, dx, planes, height, width);
  else
    maxpool2_backward_portable(x, dy, dx, planes, height, width);
}
