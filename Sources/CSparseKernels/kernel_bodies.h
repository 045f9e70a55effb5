// The hot loops, included twice by sparse_kernels.c: once with SW_TARGET = target("avx2,fma")
// and SW_SUFFIX = _avx2, once with nothing and _portable. The same source, so the two paths
// compute the same sums in the same order (only FMA contraction differs).

#define SW_CAT2(a, b) a##b
#define SW_CAT(a, b) SW_CAT2(a, b)
#define SW_NAME(name) SW_CAT(name, SW_SUFFIX)

// Vector helpers, compiled for this path (an AVX vector may not cross into baseline code).
#define sw_splat SW_NAME(sw_splat)
#define sw_load SW_NAME(sw_load)
#define sw_load_lanes SW_NAME(sw_load_lanes)
#define sw_store SW_NAME(sw_store)
#define sw_relu SW_NAME(sw_relu)
#define sw_sum SW_NAME(sw_sum)
#define sw_max SW_NAME(sw_max)

SW_TARGET SW_INLINE sw_v8 sw_splat(float x) { return (sw_v8){x, x, x, x, x, x, x, x}; }

SW_TARGET SW_INLINE sw_v8 sw_load(const float *p) {
  sw_v8 v;
  memcpy(&v, p, sizeof v);
  return v;
}

/// The first `lanes` floats at p, zero beyond.
SW_TARGET SW_INLINE sw_v8 sw_load_lanes(const float *p, int lanes) {
  if (lanes == 8) return sw_load(p);
  sw_v8 v = sw_splat(0.0f);
  memcpy(&v, p, sizeof(float) * (size_t)lanes);
  return v;
}

SW_TARGET SW_INLINE void sw_store(float *p, sw_v8 v, int lanes) {
  memcpy(p, &v, sizeof(float) * (size_t)lanes);
}

SW_TARGET SW_INLINE sw_v8 sw_relu(sw_v8 v) {
  const sw_i8 positive = v > sw_splat(0.0f);
  return (sw_v8)((sw_i8)v & positive);
}

/// Lane-wise max (the second operand where the first is not greater, as `a > b ? a : b`).
SW_TARGET SW_INLINE sw_v8 sw_max(sw_v8 a, sw_v8 b) {
  const sw_i8 greater = a > b;
  return (sw_v8)(((sw_i8)a & greater) | ((sw_i8)b & ~greater));
}

/// Lane sum in a fixed order (pairwise), the same on both paths.
SW_TARGET SW_INLINE float sw_sum(sw_v8 v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/// One tile of R output rows x 8 columns of one output channel: accumulators stay in registers
/// over all kept entries of the channel.
SW_TARGET static inline __attribute__((always_inline)) void SW_NAME(forward_tile)(
  const int R, const int32_t *offset, const int32_t *weightIndex, int e0, int e1,
  const float *weights, const float *base, int rowStride, float bias, float *dst, int width,
  int lanes, int relu) {
  sw_v8 acc[8];
  for (int r = 0; r < R; r++) acc[r] = sw_splat(bias);
  for (int e = e0; e < e1; e++) {
    const sw_v8 w = sw_splat(weights[weightIndex[e]]);
    const float *p = base + offset[e];
    for (int r = 0; r < R; r++) acc[r] = acc[r] + w * sw_load(p + r * rowStride);
  }
  for (int r = 0; r < R; r++) sw_store(dst + r * width, relu ? sw_relu(acc[r]) : acc[r], lanes);
}

/// Calls `tile` for every row tile (8, then 4, 2, 1 rows) of one 8-column strip.
#define SW_ROW_TILES(height, tile)                            \
  do {                                                        \
    int oh = 0;                                               \
    for (; oh + 8 <= (height); oh += 8) tile(8);              \
    if ((height) - oh >= 4) { tile(4); oh += 4; }             \
    if ((height) - oh >= 2) { tile(2); oh += 2; }             \
    if ((height) - oh >= 1) { tile(1); oh += 1; }             \
  } while (0)

SW_TARGET static void SW_NAME(conv_forward)(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *prepared, const float *weights,
  const float *bias, float *y, int relu, int first, int end) {
  const int Ho = s->outHeight, Wo = s->outWidth, Wq = s->phaseWidth, O = s->outChannels;
  for (int n = first; n < end; n++) {
    const float *xp = prepared + (int64_t)n * s->preparedCount;
    for (int o = 0; o < O; o++) {
      float *yp = y + ((int64_t)n * O + o) * Ho * Wo;
      const int e0 = rows.rowStart[o], e1 = rows.rowStart[o + 1];
      const float b = bias ? bias[o] : 0.0f;
      for (int ow = 0; ow < Wo; ow += 8) {
        const int lanes = Wo - ow < 8 ? Wo - ow : 8;
#define SW_TILE(R)                                                                         \
  SW_NAME(forward_tile)(R, rows.offset, rows.weightIndex, e0, e1, weights,                \
                        xp + oh * Wq + ow, Wq, b, yp + oh * Wo + ow, Wo, lanes, relu)
        SW_ROW_TILES(Ho, SW_TILE);
#undef SW_TILE
      }
    }
  }
}

/// dprepared += w * dy over one tile, for every kept entry of one output channel (dy in
/// registers, the input gradient read and written in L1).
SW_TARGET static inline __attribute__((always_inline)) void SW_NAME(backward_data_tile)(
  const int R, const int32_t *offset, const int32_t *weightIndex, int e0, int e1,
  const float *weights, float *base, int rowStride, const float *dy, int width, int lanes) {
  sw_v8 d[8];
  for (int r = 0; r < R; r++) d[r] = sw_load_lanes(dy + r * width, lanes);
  for (int e = e0; e < e1; e++) {
    const sw_v8 w = sw_splat(weights[weightIndex[e]]);
    float *p = base + offset[e];
    for (int r = 0; r < R; r++) {
      float *q = p + r * rowStride;
      sw_store(q, sw_load(q) + w * d[r], 8);
    }
  }
}

SW_TARGET static void SW_NAME(conv_backward_data)(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *weights, const float *dy, float *dx,
  float *scratch, int first, int end) {
  const int Ho = s->outHeight, Wo = s->outWidth, Wq = s->phaseWidth, O = s->outChannels;
  for (int n = first; n < end; n++) {
    memset(scratch, 0, sizeof(float) * (size_t)s->preparedCount);
    for (int o = 0; o < O; o++) {
      const int e0 = rows.rowStart[o], e1 = rows.rowStart[o + 1];
      if (e0 == e1) continue;
      const float *dyp = dy + ((int64_t)n * O + o) * Ho * Wo;
      for (int ow = 0; ow < Wo; ow += 8) {
        const int lanes = Wo - ow < 8 ? Wo - ow : 8;
#define SW_TILE(R)                                                                         \
  SW_NAME(backward_data_tile)(R, rows.offset, rows.weightIndex, e0, e1, weights,          \
                              scratch + oh * Wq + ow, Wq, dyp + oh * Wo + ow, Wo, lanes)
        SW_ROW_TILES(Ho, SW_TILE);
#undef SW_TILE
      }
    }
    sw_unprepare(s, scratch, dx + (int64_t)n * s->inChannels * s->inHeight * s->inWidth);
  }
}

/// partial[e] += dy tile . input tile, per kept entry (8 lanes kept apart until the end).
SW_TARGET static inline __attribute__((always_inline)) void SW_NAME(backward_weights_tile)(
  const int R, const int32_t *offset, int e0, int e1, const float *base, int rowStride,
  const float *dy, int width, int lanes, float *partial) {
  sw_v8 d[8];
  for (int r = 0; r < R; r++) d[r] = sw_load_lanes(dy + r * width, lanes);
  for (int e = e0; e < e1; e++) {
    const float *p = base + offset[e];
    sw_v8 t = d[0] * sw_load(p);
    for (int r = 1; r < R; r++) t = t + d[r] * sw_load(p + r * rowStride);
    float *q = partial + 8 * (int64_t)e;
    sw_store(q, sw_load(q) + t, 8);
  }
}

SW_TARGET static void SW_NAME(conv_backward_weights)(
  const sw_conv_shape *s, sw_sparse_rows rows, const float *prepared, const float *dy,
  int batch, float *diffWeights, float *diffBias, float *partial, int first, int end) {
  const int Ho = s->outHeight, Wo = s->outWidth, Wq = s->phaseWidth, O = s->outChannels;
  const int plane = Ho * Wo;
  const int ef = rows.rowStart[first], ee = rows.rowStart[end];
  memset(partial + 8 * (int64_t)ef, 0, sizeof(float) * 8 * (size_t)(ee - ef));
  for (int o = first; o < end; o++) {
    sw_v8 acc = sw_splat(0.0f);
    float tail = 0.0f;
    const int body = plane & ~7;
    for (int n = 0; n < batch; n++) {
      const float *dyp = dy + ((int64_t)n * O + o) * plane;
      for (int i = 0; i < body; i += 8) acc = acc + sw_load(dyp + i);
      for (int i = body; i < plane; i++) tail += dyp[i];
    }
    if (diffBias) diffBias[o] = sw_sum(acc) + tail;
  }
  for (int n = 0; n < batch; n++) {
    const float *xp = prepared + (int64_t)n * s->preparedCount;
    for (int o = first; o < end; o++) {
      const int e0 = rows.rowStart[o], e1 = rows.rowStart[o + 1];
      if (e0 == e1) continue;
      const float *dyp = dy + ((int64_t)n * O + o) * plane;
      for (int ow = 0; ow < Wo; ow += 8) {
        const int lanes = Wo - ow < 8 ? Wo - ow : 8;
#define SW_TILE(R)                                                                         \
  SW_NAME(backward_weights_tile)(R, rows.offset, e0, e1, xp + oh * Wq + ow, Wq,           \
                                 dyp + oh * Wo + ow, Wo, lanes, partial)
        SW_ROW_TILES(Ho, SW_TILE);
#undef SW_TILE
      }
    }
  }
  for (int e = ef; e < ee; e++) diffWeights[rows.weightIndex[e]] = sw_sum(sw_load(partial + 8 * (int64_t)e));
}

SW_TARGET static void SW_NAME(dense_forward)(
  sw_sparse_rows rows, const float *weights, const float *bias, const float *xt, float *yt,
  int lanes, int first, int end) {
  for (int j = first; j < end; j++) {
    const int e0 = rows.rowStart[j], e1 = rows.rowStart[j + 1];
    const float b = bias ? bias[j] : 0.0f;
    float *yp = yt + (int64_t)j * lanes;
    int l = 0;
    for (; l + 32 <= lanes; l += 32) {
      sw_v8 a0 = sw_splat(b), a1 = a0, a2 = a0, a3 = a0;
      for (int e = e0; e < e1; e++) {
        const sw_v8 w = sw_splat(weights[rows.weightIndex[e]]);
        const float *p = xt + (int64_t)rows.offset[e] * lanes + l;
        a0 = a0 + w * sw_load(p);
        a1 = a1 + w * sw_load(p + 8);
        a2 = a2 + w * sw_load(p + 16);
        a3 = a3 + w * sw_load(p + 24);
      }
      sw_store(yp + l, a0, 8);
      sw_store(yp + l + 8, a1, 8);
      sw_store(yp + l + 16, a2, 8);
      sw_store(yp + l + 24, a3, 8);
    }
    for (; l < lanes; l += 8) {
      sw_v8 a = sw_splat(b);
      for (int e = e0; e < e1; e++) {
        const sw_v8 w = sw_splat(weights[rows.weightIndex[e]]);
        a = a + w * sw_load(xt + (int64_t)rows.offset[e] * lanes + l);
      }
      sw_store(yp + l, a, 8);
    }
  }
}

SW_TARGET static void SW_NAME(dense_backward_weights)(
  sw_sparse_rows rows, const float *xt, const float *dyt, int lanes, float *diffWeights,
  int first, int end) {
  for (int j = first; j < end; j++) {
    const float *d = dyt + (int64_t)j * lanes;
    for (int e = rows.rowStart[j]; e < rows.rowStart[j + 1]; e++) {
      const float *p = xt + (int64_t)rows.offset[e] * lanes;
      sw_v8 a0 = sw_splat(0.0f), a1 = a0;
      int l = 0;
      for (; l + 16 <= lanes; l += 16) {
        a0 = a0 + sw_load(d + l) * sw_load(p + l);
        a1 = a1 + sw_load(d + l + 8) * sw_load(p + l + 8);
      }
      for (; l < lanes; l += 8) a0 = a0 + sw_load(d + l) * sw_load(p + l);
      diffWeights[rows.weightIndex[e]] = sw_sum(a0 + a1);
    }
  }
}

SW_TARGET static void SW_NAME(dense_backward_data)(
  sw_sparse_rows rows, int units, int inputs, const float *weights, const float *dyt,
  float *dxt, int lanes, int laneFirst, int laneEnd) {
  for (int i = 0; i < inputs; i++)
    memset(dxt + (int64_t)i * lanes + laneFirst, 0, sizeof(float) * (size_t)(laneEnd - laneFirst));
  for (int l = laneFirst; l < laneEnd; l += 32) {
    const int vectors = (laneEnd - l) >= 32 ? 4 : (laneEnd - l) / 8;
    for (int j = 0; j < units; j++) {
      const float *dp = dyt + (int64_t)j * lanes + l;
      sw_v8 d[4];
      for (int k = 0; k < vectors; k++) d[k] = sw_load(dp + 8 * k);
      for (int e = rows.rowStart[j]; e < rows.rowStart[j + 1]; e++) {
        const sw_v8 w = sw_splat(weights[rows.weightIndex[e]]);
        float *q = dxt + (int64_t)rows.offset[e] * lanes + l;
        for (int k = 0; k < vectors; k++) sw_store(q + 8 * k, sw_load(q + 8 * k) + w * d[k], 8);
      }
    }
  }
}

/// 2x2 stride-2 max pool with ReLU after (relu(max) = max(relu)) over planes whose size is even,
/// 8 outputs per step: the two rows' maxima, then even against odd columns.
SW_TARGET static void SW_NAME(maxpool2_forward)(
  const float *x, float *y, int planes, int height, int width) {
  const int oh = height / 2, ow = width / 2, body = ow & ~7;
  for (int p = 0; p < planes; p++) {
    const float *xp = x + (int64_t)p * height * width;
    float *yp = y + (int64_t)p * oh * ow;
    for (int i = 0; i < oh; i++) {
      const float *r0 = xp + 2 * i * width, *r1 = r0 + width;
      float *out = yp + i * ow;
      for (int j = 0; j < body; j += 8) {
        const sw_v8 a = sw_max(sw_load(r0 + 2 * j), sw_load(r1 + 2 * j));
        const sw_v8 b = sw_max(sw_load(r0 + 2 * j + 8), sw_load(r1 + 2 * j + 8));
        const sw_v8 even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
        const sw_v8 odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
        sw_store(out + j, sw_relu(sw_max(even, odd)), 8);
      }
      for (int j = body; j < ow; j++) {
        float m = r0[2 * j];
        if (r0[2 * j + 1] > m) m = r0[2 * j + 1];
        if (r1[2 * j] > m) m = r1[2 * j];
        if (r1[2 * j + 1] > m) m = r1[2 * j + 1];
        out[j] = m > 0 ? m : 0;
      }
    }
  }
}

/// The gradient of `maxpool2_forward`: each window's dy goes to its first maximum in row-major
/// order, and only where that maximum is positive; every other element gets zero.
SW_TARGET static void SW_NAME(maxpool2_backward)(
  const float *x, const float *dy, float *dx, int planes, int height, int width) {
  const int oh = height / 2, ow = width / 2, body = ow & ~7;
  const sw_v8 zero = sw_splat(0.0f);
  for (int p = 0; p < planes; p++) {
    const float *xp = x + (int64_t)p * height * width;
    float *dxp = dx + (int64_t)p * height * width;
    const float *dyp = dy + (int64_t)p * oh * ow;
    for (int i = 0; i < oh; i++) {
      const float *r0 = xp + 2 * i * width, *r1 = r0 + width;
      float *d0 = dxp + 2 * i * width, *d1 = d0 + width;
      const float *g = dyp + i * ow;
      for (int j = 0; j < body; j += 8) {
        const sw_v8 a0 = sw_load(r0 + 2 * j), a1 = sw_load(r0 + 2 * j + 8);
        const sw_v8 b0 = sw_load(r1 + 2 * j), b1 = sw_load(r1 + 2 * j + 8);
        const sw_v8 x00 = __builtin_shufflevector(a0, a1, 0, 2, 4, 6, 8, 10, 12, 14);
        const sw_v8 x01 = __builtin_shufflevector(a0, a1, 1, 3, 5, 7, 9, 11, 13, 15);
        const sw_v8 x10 = __builtin_shufflevector(b0, b1, 0, 2, 4, 6, 8, 10, 12, 14);
        const sw_v8 x11 = __builtin_shufflevector(b0, b1, 1, 3, 5, 7, 9, 11, 13, 15);
        const sw_v8 m = sw_max(sw_max(x00, x01), sw_max(x10, x11));
        const sw_i8 positive = m > zero;
        const sw_i8 h00 = x00 == m;
        const sw_i8 h01 = (x01 == m) & ~h00;
        const sw_i8 h10 = (x10 == m) & ~(h00 | h01);
        const sw_i8 h11 = ~(h00 | h01 | h10);
        const sw_i8 gv = (sw_i8)sw_load(g + j) & positive;
        const sw_v8 g00 = (sw_v8)(gv & h00), g01 = (sw_v8)(gv & h01);
        const sw_v8 g10 = (sw_v8)(gv & h10), g11 = (sw_v8)(gv & h11);
        sw_store(d0 + 2 * j, __builtin_shufflevector(g00, g01, 0, 8, 1, 9, 2, 10, 3, 11), 8);
        sw_store(d0 + 2 * j + 8, __builtin_shufflevector(g00, g01, 4, 12, 5, 13, 6, 14, 7, 15), 8);
        sw_store(d1 + 2 * j, __builtin_shufflevector(g10, g11, 0, 8, 1, 9, 2, 10, 3, 11), 8);
        sw_store(d1 + 2 * j + 8, __builtin_shufflevector(g10, g11, 4, 12, 5, 13, 6, 14, 7, 15), 8);
      }
      for (int j = body; j < ow; j++) {
        const float v[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
        int at = 0;
        for (int k = 1; k < 4; k++)
          if (v[k] > v[at]) at = k;
        const float gj = v[at] > 0 ? g[j] : 0.0f;
        d0[2 * j] = at == 0 ? gj : 0.0f;
        d0[2 * j + 1] = at == 1 ? gj : 0.0f;
        d1[2 * j] = at == 2 ? gj : 0.0f;
        d1[2 * j + 1] = at == 3 ? gj : 0.0f;
      }
    }
  }
}

#undef sw_splat
#undef sw_load
#undef sw_load_lanes
#undef sw_store
#undef sw_relu
#undef sw_sum
#undef sw_max
#undef SW_NAME
#undef SW_CAT
#undef SW_CAT2
#undef SW_ROW_TILES
