// The kernels of netc_kernels.h, written once over 8-lane vectors and
// compiled once per instruction set: the file that includes this one sets
// NETC_SET (the table's name suffix), the target attribute and whether
// `acc + a * b` may be fused into one multiply-add. Every function but the
// table is static to that file.
//
// Each micro-kernel holds 8–12 vector accumulators in registers and loads
// fewer vectors than it issues multiply-adds, so on AVX2/FMA hardware the
// FMA units, not the loads, bound it. Operands keep their documented
// layouts — W[outputs][inputs], activations [batch][features] — except the
// weights the emitter keeps in panels of 16 outputs, and the scratch some
// kernels pack their operands into.
#include "table.h"
#include <stdint.h>

#define NETC_CAT2(a, b) a##_##b
#define NETC_CAT(a, b) NETC_CAT2(a, b)
#define INLINE static inline __attribute__((always_inline))

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef float v4 __attribute__((vector_size(16)));
typedef float v4u __attribute__((vector_size(16), aligned(4), may_alias));
typedef ptrdiff_t Int;

INLINE v8 ld(const float *p) { return *(const v8u *)p; }
INLINE void st(v8 v, float *p) { *(v8u *)p = v; }
INLINE v8 splat(float s) { return (v8){s, s, s, s, s, s, s, s}; }
INLINE v8 zero(void) { return (v8){0, 0, 0, 0, 0, 0, 0, 0}; }
INLINE float sum(v8 v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }
INLINE Int min_int(Int a, Int b) { return a < b ? a : b; }

/// The lane sums of four vectors, as one vector.
INLINE v4 sum4(v8 a, v8 b, v8 c, v8 d) {
    v4 p = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
    v4 q = __builtin_shufflevector(b, b, 0, 1, 2, 3) + __builtin_shufflevector(b, b, 4, 5, 6, 7);
    v4 r = __builtin_shufflevector(c, c, 0, 1, 2, 3) + __builtin_shufflevector(c, c, 4, 5, 6, 7);
    v4 t = __builtin_shufflevector(d, d, 0, 1, 2, 3) + __builtin_shufflevector(d, d, 4, 5, 6, 7);
    v4 pq = __builtin_shufflevector(p, q, 0, 2, 4, 6) + __builtin_shufflevector(p, q, 1, 3, 5, 7);
    v4 rt = __builtin_shufflevector(r, t, 0, 2, 4, 6) + __builtin_shufflevector(r, t, 1, 3, 5, 7);
    return __builtin_shufflevector(pq, rt, 0, 2, 4, 6) + __builtin_shufflevector(pq, rt, 1, 3, 5, 7);
}

/// Per 128-bit half: (a₀+a₁, a₂+a₃, b₀+b₁, b₂+b₃), the lane order of `vhaddps`.
INLINE v8 pair_sums(v8 a, v8 b) {
    return __builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14) + __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15);
}

/// The lane sums of eight vectors, as one vector (lane k: the sum of the k-th).
INLINE v8 sum8(v8 a0, v8 a1, v8 a2, v8 a3, v8 a4, v8 a5, v8 a6, v8 a7) {
    v8 t0 = __builtin_shufflevector(a0, a4, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(a0, a4, 4, 5, 6, 7, 12, 13, 14, 15);
    v8 t1 = __builtin_shufflevector(a1, a5, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(a1, a5, 4, 5, 6, 7, 12, 13, 14, 15);
    v8 t2 = __builtin_shufflevector(a2, a6, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(a2, a6, 4, 5, 6, 7, 12, 13, 14, 15);
    v8 t3 = __builtin_shufflevector(a3, a7, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(a3, a7, 4, 5, 6, 7, 12, 13, 14, 15);
    return pair_sums(pair_sums(t0, t1), pair_sums(t2, t3));
}

/// Σᵢ a[i]·b[i], two accumulators.
INLINE float dot(const float *a, const float *b, Int n) {
    v8 acc0 = zero(), acc1 = zero();
    Int i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = acc0 + ld(a + i) * ld(b + i);
        acc1 = acc1 + ld(a + i + 8) * ld(b + i + 8);
    }
    if (i + 8 <= n) { acc0 = acc0 + ld(a + i) * ld(b + i); i += 8; }
    float s = sum(acc0 + acc1);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

// MARK: - Forward: y = W x + b

/// y[j] = bias[j] + Σᵢ W[j][i]·x[i] for one sample: blocks of 8 rows whose
/// lane sums come out as one vector (`sum8`; when n is a whole number of
/// vectors), then 4 rows with scalar sums, then single dot products. A
/// function of its own, apart from `linear`'s blocked loop: vector sums
/// written inside that loop once made the optimiser restructure all of it.
static void linear_sample(const float *w, const float *bias, const float *xb, float *yb, Int n, Int m) {
    Int vector_end = n & ~(Int)7, j = 0;
    if (n == vector_end) {
        for (; j + 8 <= m; j += 8) {
            const float *w0 = w + j * n;
            v8 a0 = zero(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (Int i = 0; i < vector_end; i += 8) {
                v8 u = ld(xb + i);
                a0 = a0 + u * ld(w0 + i); a1 = a1 + u * ld(w0 + n + i);
                a2 = a2 + u * ld(w0 + 2 * n + i); a3 = a3 + u * ld(w0 + 3 * n + i);
                a4 = a4 + u * ld(w0 + 4 * n + i); a5 = a5 + u * ld(w0 + 5 * n + i);
                a6 = a6 + u * ld(w0 + 6 * n + i); a7 = a7 + u * ld(w0 + 7 * n + i);
            }
            v8 s = sum8(a0, a1, a2, a3, a4, a5, a6, a7);
            if (bias) s = s + ld(bias + j);
            st(s, yb + j);
        }
    }
    for (; j + 4 <= m; j += 4) {
        const float *w0 = w + j * n, *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
        v8 a0 = zero(), a1 = a0, a2 = a0, a3 = a0;
        Int i = 0;
        for (; i < vector_end; i += 8) {
            v8 u = ld(xb + i);
            a0 = a0 + u * ld(w0 + i); a1 = a1 + u * ld(w1 + i);
            a2 = a2 + u * ld(w2 + i); a3 = a3 + u * ld(w3 + i);
        }
        float s0 = sum(a0), s1 = sum(a1), s2 = sum(a2), s3 = sum(a3);
        for (; i < n; i++) {
            s0 += xb[i] * w0[i]; s1 += xb[i] * w1[i]; s2 += xb[i] * w2[i]; s3 += xb[i] * w3[i];
        }
        yb[j] = (bias ? bias[j] : 0) + s0; yb[j + 1] = (bias ? bias[j + 1] : 0) + s1;
        yb[j + 2] = (bias ? bias[j + 2] : 0) + s2; yb[j + 3] = (bias ? bias[j + 3] : 0) + s3;
    }
    for (; j < m; j++) yb[j] = (bias ? bias[j] : 0) + dot(w + j * n, xb, n);
}

/// Samples b…b+3 × `rows` (1…3, a constant at each call) rows from j.
INLINE void linear_block(const float *w, const float *bias, const float *x, float *y, Int n, Int m, Int b, Int j, int rows) {
    Int vector_end = n & ~(Int)7;
    const float *x0 = x + b * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
    const float *w0 = w + j * n, *w1 = rows > 1 ? w0 + n : w0, *w2 = rows > 2 ? w1 + n : w0;
    v8 a00 = zero(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
    v8 a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
    Int i = 0;
    for (; i < vector_end; i += 8) {
        v8 v0 = ld(w0 + i), v1 = rows > 1 ? ld(w1 + i) : v0, v2 = rows > 2 ? ld(w2 + i) : v0;
        v8 u = ld(x0 + i);
        a00 = a00 + u * v0; if (rows > 1) a01 = a01 + u * v1; if (rows > 2) a02 = a02 + u * v2;
        u = ld(x1 + i);
        a10 = a10 + u * v0; if (rows > 1) a11 = a11 + u * v1; if (rows > 2) a12 = a12 + u * v2;
        u = ld(x2 + i);
        a20 = a20 + u * v0; if (rows > 1) a21 = a21 + u * v1; if (rows > 2) a22 = a22 + u * v2;
        u = ld(x3 + i);
        a30 = a30 + u * v0; if (rows > 1) a31 = a31 + u * v1; if (rows > 2) a32 = a32 + u * v2;
    }
    v4 q0 = sum4(a00, a10, a20, a30), q1 = sum4(a01, a11, a21, a31), q2 = sum4(a02, a12, a22, a32);
    float s[12] = {q0[0], q1[0], q2[0], q0[1], q1[1], q2[1], q0[2], q1[2], q2[2], q0[3], q1[3], q2[3]};
    for (; i < n; i++) {
        float v0 = w0[i], v1 = w1[i], v2 = w2[i];
        s[0] += x0[i] * v0; s[1] += x0[i] * v1; s[2] += x0[i] * v2;
        s[3] += x1[i] * v0; s[4] += x1[i] * v1; s[5] += x1[i] * v2;
        s[6] += x2[i] * v0; s[7] += x2[i] * v1; s[8] += x2[i] * v2;
        s[9] += x3[i] * v0; s[10] += x3[i] * v1; s[11] += x3[i] * v2;
    }
    float *y0 = y + (b * m + j), *y1 = y0 + m, *y2 = y1 + m, *y3 = y2 + m;
    float c0 = bias ? bias[j] : 0;
    y0[0] = c0 + s[0]; y1[0] = c0 + s[3]; y2[0] = c0 + s[6]; y3[0] = c0 + s[9];
    if (rows > 1) {
        float c1 = bias ? bias[j + 1] : 0;
        y0[1] = c1 + s[1]; y1[1] = c1 + s[4]; y2[1] = c1 + s[7]; y3[1] = c1 + s[10];
    }
    if (rows > 2) {
        float c2 = bias ? bias[j + 2] : 0;
        y0[2] = c2 + s[2]; y1[2] = c2 + s[5]; y2[2] = c2 + s[8]; y3[2] = c2 + s[11];
    }
}

/// y[b][j] = bias[j] + Σᵢ W[j][i]·x[b][i] for b < count, j < m; n inputs.
/// Blocks of 4 samples × 3 rows (12 accumulators, 7 loads per 12 FMAs),
/// then 4 × 2 or 4 × 1 for the rows left over; samples left over run
/// one at a time (`linear_sample`).
static void linear(const float *w, const float *bias, const float *x, float *y, Int n, Int m, Int count) {
    Int b = 0;
    for (; b + 4 <= count; b += 4) {
        Int j = 0;
        for (; j + 3 <= m; j += 3) linear_block(w, bias, x, y, n, m, b, j, 3);
        if (m - j == 2) linear_block(w, bias, x, y, n, m, b, j, 2);
        if (m - j == 1) linear_block(w, bias, x, y, n, m, b, j, 1);
    }
    for (; b < count; b++) linear_sample(w, bias, x + b * n, y + b * m, n, m);
}

/// `linear`'s blocks of 4 samples for rows j0 ..< j1 only (j0 a multiple of
/// 3; j1 one too, or m), for whole blocks of samples (count a multiple of 4).
static void linear_rows(const float *w, const float *bias, const float *x, float *y, Int n, Int m, Int count, Int j0, Int j1) {
    for (Int b = 0; b + 4 <= count; b += 4) {
        Int j = j0;
        for (; j + 3 <= j1; j += 3) linear_block(w, bias, x, y, n, m, b, j, 3);
        if (j1 - j == 2) linear_block(w, bias, x, y, n, m, b, j, 2);
        if (j1 - j == 1) linear_block(w, bias, x, y, n, m, b, j, 1);
    }
}

/// `linear` for m in whole 16s and Wᵀ within L1: W is transposed into
/// `scratch` (n·m scalars; contiguous stores), then blocks of 6 samples × 16
/// outputs run over Wᵀ, each step one x scalar broadcast against a row of it
/// — 12 accumulators, no horizontal sums. Samples left over run `linear` on
/// W; under 6 samples nothing is transposed.
static void transpose_weights(const float *w, float *wt, Int n, Int m) {
    for (Int i = 0; i < n; i++) {
        float *column = wt + i * m;
        for (Int j = 0; j < m; j++) column[j] = w[j * n + i];
    }
}

/// `linear_transposed` once Wᵀ is in `wt`: the blocks of 6 samples, then `linear` on W for the rest.
static void linear_transposed_rows(const float *w, const float *wt, const float *bias, const float *x, float *y, Int n, Int m, Int count) {
    Int b = 0;
    for (; b + 6 <= count; b += 6) {
        const float *x0 = x + b * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n, *x4 = x3 + n, *x5 = x4 + n;
        for (Int j = 0; j < m; j += 16) {
            v8 c0 = bias ? ld(bias + j) : zero(), c1 = bias ? ld(bias + j + 8) : zero();
            v8 a00 = c0, a01 = c1, a10 = c0, a11 = c1, a20 = c0, a21 = c1;
            v8 a30 = c0, a31 = c1, a40 = c0, a41 = c1, a50 = c0, a51 = c1;
            const float *r = wt + j;
            for (Int i = 0; i < n; i++, r += m) {
                v8 v0 = ld(r), v1 = ld(r + 8), s;
                s = splat(x0[i]); a00 = a00 + s * v0; a01 = a01 + s * v1;
                s = splat(x1[i]); a10 = a10 + s * v0; a11 = a11 + s * v1;
                s = splat(x2[i]); a20 = a20 + s * v0; a21 = a21 + s * v1;
                s = splat(x3[i]); a30 = a30 + s * v0; a31 = a31 + s * v1;
                s = splat(x4[i]); a40 = a40 + s * v0; a41 = a41 + s * v1;
                s = splat(x5[i]); a50 = a50 + s * v0; a51 = a51 + s * v1;
            }
            float *y0 = y + (b * m + j);
            st(a00, y0); st(a01, y0 + 8);
            st(a10, y0 + m); st(a11, y0 + m + 8);
            st(a20, y0 + 2 * m); st(a21, y0 + 2 * m + 8);
            st(a30, y0 + 3 * m); st(a31, y0 + 3 * m + 8);
            st(a40, y0 + 4 * m); st(a41, y0 + 4 * m + 8);
            st(a50, y0 + 5 * m); st(a51, y0 + 5 * m + 8);
        }
    }
    if (b < count) linear(w, bias, x + b * n, y + b * m, n, m, count - b);
}

static void linear_transposed(const float *w, const float *bias, const float *x, float *y, Int n, Int m, Int count, float *wt) {
    if (count >= 6) transpose_weights(w, wt, n, m);
    linear_transposed_rows(w, wt, bias, x, y, n, m, count);
}

// MARK: - Weight gradient: dW = δᵀ x

/// db[j] = Σ_b dy[b][j] (overwritten) for j0 ≤ j < j1.
static void bias_gradient_rows(const float *dy, float *db, Int m, Int count, Int j0, Int j1) {
    for (Int j = j0; j < j1; j++) db[j] = 0;
    for (Int b = 0; b < count; b++) {
        const float *d = dy + b * m;
        for (Int j = j0; j < j1; j++) db[j] += d[j];
    }
}

/// db[j] = Σ_b dy[b][j] (overwritten).
INLINE void bias_gradient(const float *dy, float *db, Int m, Int count) { bias_gradient_rows(dy, db, m, count, 0, m); }

/// A 4 × 16 block of accumulators: row k += s_k · (u0, u1).
typedef struct { v8 a00, a01, a10, a11, a20, a21, a30, a31; } tile4x16;

INLINE void tile_add(tile4x16 *t, float s0, float s1, float s2, float s3, v8 u0, v8 u1) {
    v8 d0 = splat(s0), d1 = splat(s1), d2 = splat(s2), d3 = splat(s3);
    t->a00 = t->a00 + d0 * u0; t->a01 = t->a01 + d0 * u1;
    t->a10 = t->a10 + d1 * u0; t->a11 = t->a11 + d1 * u1;
    t->a20 = t->a20 + d2 * u0; t->a21 = t->a21 + d2 * u1;
    t->a30 = t->a30 + d3 * u0; t->a31 = t->a31 + d3 * u1;
}

INLINE tile4x16 tile_zero(void) { tile4x16 t = {zero(), zero(), zero(), zero(), zero(), zero(), zero(), zero()}; return t; }

INLINE tile4x16 tile_load(const float *r, Int stride) {
    tile4x16 t = {ld(r), ld(r + 8), ld(r + stride), ld(r + stride + 8),
                  ld(r + 2 * stride), ld(r + 2 * stride + 8), ld(r + 3 * stride), ld(r + 3 * stride + 8)};
    return t;
}

INLINE void tile_store(const tile4x16 *t, float *r, Int stride) {
    st(t->a00, r); st(t->a01, r + 8); st(t->a10, r + stride); st(t->a11, r + stride + 8);
    st(t->a20, r + 2 * stride); st(t->a21, r + 2 * stride + 8); st(t->a30, r + 3 * stride); st(t->a31, r + 3 * stride + 8);
}

/// dW rows j…j+3, 16 columns: x[b] at x + b·x_stride, δ(b, row r) at d[b·sample_stride + r·row_stride].
INLINE void weight_block(const float *x, Int x_stride, const float *d, Int row_stride, Int sample_stride, float *r0, Int n, Int count) {
    tile4x16 t = tile_zero();
    for (Int b = 0; b < count; b++) {
        const float *xb = x + b * x_stride, *e = d + b * sample_stride;
        tile_add(&t, e[0], e[row_stride], e[2 * row_stride], e[3 * row_stride], ld(xb), ld(xb + 8));
    }
    tile_store(&t, r0, n);
}

/// One dW row, 16 columns.
INLINE void weight_row(const float *x, Int x_stride, const float *d, Int sample_stride, float *r0, Int count) {
    v8 a0 = zero(), a1 = zero();
    for (Int b = 0; b < count; b++) {
        const float *xb = x + b * x_stride;
        v8 s = splat(d[b * sample_stride]);
        a0 = a0 + s * ld(xb); a1 = a1 + s * ld(xb + 8);
    }
    st(a0, r0); st(a1, r0 + 8);
}

/// One 16-column slice of dW, every row.
INLINE void weight_columns(const float *x, Int x_stride, const float *d, Int block_stride, Int sample_stride,
                           const float *dy, float *dw, Int n, Int m, Int count) {
    Int full_rows = m & ~(Int)3, j = 0;
    for (; j < full_rows; j += 4) weight_block(x, x_stride, d + j * block_stride, 1, sample_stride, dw + j * n, n, count);
    for (; j < m; j++) weight_row(x, x_stride, dy + j, m, dw + j * n, count);
}

/// dW rows j0 ..< j1, the 8 columns from x's first: 4 rows at a time, then
/// single rows (n = 120 or 84 left these 8 to a scalar loop at a twentieth of the speed).
INLINE void weight_columns8(const float *x, Int n, const float *dy, Int m, float *dw, Int count, Int j0, Int j1) {
    Int j = j0;
    for (; j + 4 <= j1; j += 4) {
        v8 a0 = zero(), a1 = zero(), a2 = zero(), a3 = zero();
        for (Int b = 0; b < count; b++) {
            v8 u = ld(x + b * n);
            const float *e = dy + b * m + j;
            a0 = a0 + splat(e[0]) * u; a1 = a1 + splat(e[1]) * u; a2 = a2 + splat(e[2]) * u; a3 = a3 + splat(e[3]) * u;
        }
        st(a0, dw + j * n); st(a1, dw + (j + 1) * n); st(a2, dw + (j + 2) * n); st(a3, dw + (j + 3) * n);
    }
    for (; j < j1; j++) {
        v8 a = zero();
        for (Int b = 0; b < count; b++) a = a + splat(dy[b * m + j]) * ld(x + b * n);
        st(a, dw + j * n);
    }
}

/// dW[j][i] = Σ_b dy[b][j]·x[b][i] and db[j] = Σ_b dy[b][j] (overwritten,
/// so the caller need not zero them): blocks of 4 rows × 16 columns,
/// accumulated over the batch in registers.
///
/// With `scratch` (room for ((m & ~3) + 16)·count scalars) the operands are
/// packed first: δ as 4-row panels [m/4][count][4], and each 16-column slice
/// of x as [count][16] before its blocks run, so a block reads two contiguous
/// streams. In place, a block's operands are one line per sample, `m` and `n`
/// scalars apart: at large batches those lines crowd a few L1 sets and more
/// pages than the L1 TLB holds (784→128 at batch 128: 72 % of peak in place,
/// 92 % packed).
/// dW's rows j0 ..< j1 (j0 a multiple of 4; j1 one too, or m) and, with
/// `db`, the bias gradient's: the sums `weight_gradient` forms, in the same
/// order, for the rows of one part. δ's 4-row panels are packed into
/// `scratch` (at the rows' own place) when it is given; x is read in place.
static void weight_gradient_rows(const float *dy, const float *x, float *dw, float *db, Int n, Int m, Int count, float *scratch, Int j0, Int j1) {
    if (db) bias_gradient_rows(dy, db, m, count, j0, j1);
    Int full_rows = m & ~(Int)3, block_end = j1 < full_rows ? j1 : full_rows;
    if (scratch) {
        for (Int j = j0; j < block_end; j += 4) {
            float *p = scratch + j * count;
            for (Int b = 0; b < count; b++) *(v4u *)(p + b * 4) = *(const v4u *)(dy + b * m + j);
        }
    }
    Int i = 0;
    for (; i + 16 <= n; i += 16) {
        Int j = j0;
        for (; j < block_end; j += 4) {
            if (scratch) weight_block(x + i, n, scratch + j * count, 1, 4, dw + j * n + i, n, count);
            else weight_block(x + i, n, dy + j, 1, m, dw + j * n + i, n, count);
        }
        for (; j < j1; j++) weight_row(x + i, n, dy + j, m, dw + j * n + i, count);
    }
    if (i + 8 <= n) { weight_columns8(x + i, n, dy, m, dw + i, count, j0, j1); i += 8; }
    for (; i < n; i++) {
        for (Int j = j0; j < j1; j++) {
            float s = 0;
            for (Int b = 0; b < count; b++) s += dy[b * m + j] * x[b * n + i];
            dw[j * n + i] = s;
        }
    }
}

static void weight_gradient(const float *dy, const float *x, float *dw, float *db, Int n, Int m, Int count, float *scratch) {
    if (db) bias_gradient(dy, db, m, count);
    Int full_rows = m & ~(Int)3;
    if (scratch) {
        for (Int j = 0; j < full_rows; j += 4) {
            float *p = scratch + j * count;
            for (Int b = 0; b < count; b++) *(v4u *)(p + b * 4) = *(const v4u *)(dy + b * m + j);
        }
    }
    Int i = 0;
    for (; i + 16 <= n; i += 16) {
        if (scratch) {
            float *panel = scratch + full_rows * count;
            for (Int b = 0; b < count; b++) {
                st(ld(x + b * n + i), panel + b * 16);
                st(ld(x + b * n + i + 8), panel + b * 16 + 8);
            }
            weight_columns(panel, 16, scratch, count, 4, dy, dw + i, n, m, count);
        } else {
            weight_columns(x + i, n, dy, 1, m, dy, dw + i, n, m, count);
        }
    }
    if (i + 8 <= n) { weight_columns8(x + i, n, dy, m, dw + i, count, 0, m); i += 8; }
    for (; i < n; i++) {
        for (Int j = 0; j < m; j++) {
            float s = 0;
            for (Int b = 0; b < count; b++) s += dy[b * m + j] * x[b * n + i];
            dw[j * n + i] = s;
        }
    }
}

// MARK: - Input gradient: dx = δ W

/// dx[b][i] (= or +=) Σⱼ dy[b][j]·W[j][i]: blocks of 4 samples × 16
/// columns, accumulated over the rows of W in registers.
static void input_gradient(const float *dy, const float *w, float *dx, int accumulate, Int n, Int m, Int count) {
    Int i = 0;
    for (; i + 16 <= n; i += 16) {
        Int b = 0;
        for (; b + 4 <= count; b += 4) {
            float *r0 = dx + (b * n + i);
            tile4x16 t = accumulate ? tile_load(r0, n) : tile_zero();
            const float *d = dy + b * m;
            for (Int j = 0; j < m; j++) {
                const float *wj = w + (j * n + i);
                tile_add(&t, d[j], d[m + j], d[2 * m + j], d[3 * m + j], ld(wj), ld(wj + 8));
            }
            tile_store(&t, r0, n);
        }
        for (; b < count; b++) {
            float *r0 = dx + (b * n + i);
            v8 a0 = accumulate ? ld(r0) : zero(), a1 = accumulate ? ld(r0 + 8) : zero();
            for (Int j = 0; j < m; j++) {
                const float *wj = w + (j * n + i);
                v8 d = splat(dy[b * m + j]);
                a0 = a0 + d * ld(wj); a1 = a1 + d * ld(wj + 8);
            }
            st(a0, r0); st(a1, r0 + 8);
        }
    }
    if (i + 8 <= n) {
        // 8 columns left (n = 120 or 84): 4 samples at a time, then single ones.
        Int b = 0;
        for (; b + 4 <= count; b += 4) {
            float *r0 = dx + (b * n + i);
            v8 a0 = accumulate ? ld(r0) : zero(), a1 = accumulate ? ld(r0 + n) : zero();
            v8 a2 = accumulate ? ld(r0 + 2 * n) : zero(), a3 = accumulate ? ld(r0 + 3 * n) : zero();
            const float *d = dy + b * m;
            for (Int j = 0; j < m; j++) {
                v8 u = ld(w + (j * n + i));
                a0 = a0 + splat(d[j]) * u; a1 = a1 + splat(d[m + j]) * u;
                a2 = a2 + splat(d[2 * m + j]) * u; a3 = a3 + splat(d[3 * m + j]) * u;
            }
            st(a0, r0); st(a1, r0 + n); st(a2, r0 + 2 * n); st(a3, r0 + 3 * n);
        }
        for (; b < count; b++) {
            float *r0 = dx + (b * n + i);
            v8 a = accumulate ? ld(r0) : zero();
            for (Int j = 0; j < m; j++) a = a + splat(dy[b * m + j]) * ld(w + (j * n + i));
            st(a, r0);
        }
        i += 8;
    }
    for (; i < n; i++) {
        for (Int b = 0; b < count; b++) {
            float s = accumulate ? dx[b * n + i] : 0;
            for (Int j = 0; j < m; j++) s += dy[b * m + j] * w[j * n + i];
            dx[b * n + i] = s;
        }
    }
}

// MARK: - Panels: Wp[p][i][c] = W[16p + c][i]
//
// A weight matrix stored in panels of 16 outputs, each panel n inputs deep
// (the blocked `Oi16o` format of oneDNN and the packed B operand of BLIS).
// The forward pass then broadcasts one input scalar against one contiguous
// row of a panel — no horizontal sums, each panel read in order, 6 samples at
// a time — and the weight gradient comes out in the same order, so the
// optimizer's elementwise update never sees the difference.

/// PANEL_DEPTH: inputs per slice of the forward pass, at most. A panel
/// streamed from L2 in order measured faster than L1-sized slices whose
/// partial sums go back through y (784→128 at batch 128: 280–282 µs in one
/// slice, 291–303 µs in slices of 196); wider layers are cut so that a
/// 6-sample block's inputs (6 × 4 kB) still fit in L1.
enum { PANEL = 16, PANEL_DEPTH = 1024 };

/// For rows r < `rows` (1…6, constant at each call): out_r (from start, zero,
/// or out itself when accumulating) += Σ_k a[r·row_stride + k·step] · panel[k][0..<16].
INLINE void panel_tile(const float *panel, const float *a, Int row_stride, Int step, Int steps,
                       float *out, Int s, int rows, const float *start, int accumulate) {
    v8 c0 = start ? ld(start) : zero(), c1 = start ? ld(start + 8) : zero();
    v8 a00 = c0, a01 = c1, a10 = c0, a11 = c1, a20 = c0, a21 = c1;
    v8 a30 = c0, a31 = c1, a40 = c0, a41 = c1, a50 = c0, a51 = c1;
    if (accumulate) {
        a00 = ld(out); a01 = ld(out + 8);
        if (rows > 1) { a10 = ld(out + s); a11 = ld(out + s + 8); }
        if (rows > 2) { a20 = ld(out + 2 * s); a21 = ld(out + 2 * s + 8); }
        if (rows > 3) { a30 = ld(out + 3 * s); a31 = ld(out + 3 * s + 8); }
        if (rows > 4) { a40 = ld(out + 4 * s); a41 = ld(out + 4 * s + 8); }
        if (rows > 5) { a50 = ld(out + 5 * s); a51 = ld(out + 5 * s + 8); }
    }
    const float *x0 = a, *x1 = x0 + row_stride, *x2 = x1 + row_stride, *x3 = x2 + row_stride, *x4 = x3 + row_stride, *x5 = x4 + row_stride;
    const float *r = panel;
    for (Int k = 0; k < steps; k++, r += PANEL) {
        v8 v0 = ld(r), v1 = ld(r + 8), u;
        Int o = k * step;
        u = splat(x0[o]); a00 = a00 + u * v0; a01 = a01 + u * v1;
        if (rows > 1) { u = splat(x1[o]); a10 = a10 + u * v0; a11 = a11 + u * v1; }
        if (rows > 2) { u = splat(x2[o]); a20 = a20 + u * v0; a21 = a21 + u * v1; }
        if (rows > 3) { u = splat(x3[o]); a30 = a30 + u * v0; a31 = a31 + u * v1; }
        if (rows > 4) { u = splat(x4[o]); a40 = a40 + u * v0; a41 = a41 + u * v1; }
        if (rows > 5) { u = splat(x5[o]); a50 = a50 + u * v0; a51 = a51 + u * v1; }
    }
    st(a00, out); st(a01, out + 8);
    if (rows > 1) { st(a10, out + s); st(a11, out + s + 8); }
    if (rows > 2) { st(a20, out + 2 * s); st(a21, out + 2 * s + 8); }
    if (rows > 3) { st(a30, out + 3 * s); st(a31, out + 3 * s + 8); }
    if (rows > 4) { st(a40, out + 4 * s); st(a41, out + 4 * s + 8); }
    if (rows > 5) { st(a50, out + 5 * s); st(a51, out + 5 * s + 8); }
}

/// One sample's outputs over a slice of every panel (the sample left over
/// after blocks of 6, every sample of a lone prediction): four panels at a
/// time, so 8 accumulators hide the FMA latency that a 1 × 16 block's two
/// would expose; then one panel at a time.
static void panel_row(const float *wp, const float *bias, const float *x, float *y, Int n, Int m, Int steps, int accumulate,
                      Int j0, Int j1) {
    Int stride = n * PANEL, j = j0;
    for (; j + 4 * PANEL <= j1; j += 4 * PANEL) {
        const float *p0 = wp + j * n, *p1 = p0 + stride, *p2 = p1 + stride, *p3 = p2 + stride;
        float *out = y + j;
        v8 a0 = zero(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        if (accumulate) {
            a0 = ld(out); a1 = ld(out + 8); a2 = ld(out + 16); a3 = ld(out + 24);
            a4 = ld(out + 32); a5 = ld(out + 40); a6 = ld(out + 48); a7 = ld(out + 56);
        } else if (bias) {
            a0 = ld(bias + j); a1 = ld(bias + j + 8); a2 = ld(bias + j + 16); a3 = ld(bias + j + 24);
            a4 = ld(bias + j + 32); a5 = ld(bias + j + 40); a6 = ld(bias + j + 48); a7 = ld(bias + j + 56);
        }
        for (Int k = 0; k < steps; k++) {
            v8 u = splat(x[k]);
            Int o = k * PANEL;
            a0 = a0 + u * ld(p0 + o); a1 = a1 + u * ld(p0 + o + 8);
            a2 = a2 + u * ld(p1 + o); a3 = a3 + u * ld(p1 + o + 8);
            a4 = a4 + u * ld(p2 + o); a5 = a5 + u * ld(p2 + o + 8);
            a6 = a6 + u * ld(p3 + o); a7 = a7 + u * ld(p3 + o + 8);
        }
        st(a0, out); st(a1, out + 8); st(a2, out + 16); st(a3, out + 24);
        st(a4, out + 32); st(a5, out + 40); st(a6, out + 48); st(a7, out + 56);
    }
    for (; j < j1; j += PANEL) {
        panel_tile(wp + j * n, x, n, 1, steps, y + j, m, 1, accumulate ? 0 : (bias ? bias + j : 0), accumulate);
    }
}

static void panel_linear_outputs(const float *wp, const float *bias, const float *x, float *y, Int n, Int m, Int count,
                                 Int j0, Int j1) {
    Int slices = (n + PANEL_DEPTH - 1) / PANEL_DEPTH, depth = (n + slices - 1) / slices;
    for (Int i = 0; i < n;) {
        Int steps = min_int(depth, n - i);
        int acc = i > 0;
        for (Int j = j0; j < j1; j += PANEL) {
            const float *panel = wp + (j * n + i * PANEL);
            const float *start = i == 0 && bias ? bias + j : 0;
            Int b = 0;
            for (; b + 6 <= count; b += 6) panel_tile(panel, x + (b * n + i), n, 1, steps, y + (b * m + j), m, 6, start, acc);
            const float *a = x + (b * n + i);
            float *out = y + (b * m + j);
            switch (count - b) {
            case 2: panel_tile(panel, a, n, 1, steps, out, m, 2, start, acc); break;
            case 3: panel_tile(panel, a, n, 1, steps, out, m, 3, start, acc); break;
            case 4: panel_tile(panel, a, n, 1, steps, out, m, 4, start, acc); break;
            case 5: panel_tile(panel, a, n, 1, steps, out, m, 5, start, acc); break;
            default: break;
            }
        }
        if (count % 6 == 1) {
            Int b = count - 1;
            panel_row(wp + i * PANEL, bias, x + (b * n + i), y + b * m, n, m, steps, acc, j0, j1);
        }
        i += steps;
    }
}

/// y[b][j] = bias[j] + Σᵢ W[j][i]·x[b][i] over W in panels: per slice of at
/// most PANEL_DEPTH inputs and per panel, blocks of 6 samples × 16 outputs
/// (12 accumulators; per input, 2 loads of the panel and 6 broadcasts for 12
/// FMAs); 2–5 samples left over run as one smaller block, a single one as
/// `panel_row`. Slices after the first add to y. `panel_linear_outputs`
/// computes the outputs j0 ..< j1 only (multiples of 64, or m: `panel_row`
/// takes panels four at a time), with the same sums.
static void panel_linear(const float *wp, const float *bias, const float *x, float *y, Int n, Int m, Int count) {
    panel_linear_outputs(wp, bias, x, y, n, m, count, 0, m);
}

/// The panels of outputs j0 ..< j1 (multiples of 16, or m) and their bias
/// gradient, with δ for them packed into `scratch` at their own place.
static void panel_weight_gradient_outputs(const float *dy, const float *x, float *dwp, float *db, Int n, Int m, Int count,
                                          float *scratch, Int j0, Int j1) {
    if (db) bias_gradient_rows(dy, db, m, count, j0, j1);
    for (Int j = j0; j < j1; j += PANEL) {
        float *packed = scratch + j * count;
        for (Int b = 0; b < count; b++) {
            st(ld(dy + (b * m + j)), packed + b * PANEL);
            st(ld(dy + (b * m + j + 8)), packed + b * PANEL + 8);
        }
    }
    for (Int i = 0; i < n;) {
        Int slab = min_int(24, n - i);
        for (Int j = j0; j < j1; j += PANEL) {
            const float *packed = scratch + j * count;
            float *out = dwp + (j * n + i * PANEL);
            Int r = 0;
            for (; r + 6 <= slab; r += 6) panel_tile(packed, x + (i + r), 1, n, count, out + r * PANEL, PANEL, 6, 0, 0);
            const float *a = x + (i + r);
            float *o = out + r * PANEL;
            switch (slab - r) {
            case 1: panel_tile(packed, a, 1, n, count, o, PANEL, 1, 0, 0); break;
            case 2: panel_tile(packed, a, 1, n, count, o, PANEL, 2, 0, 0); break;
            case 3: panel_tile(packed, a, 1, n, count, o, PANEL, 3, 0, 0); break;
            case 4: panel_tile(packed, a, 1, n, count, o, PANEL, 4, 0, 0); break;
            case 5: panel_tile(packed, a, 1, n, count, o, PANEL, 5, 0, 0); break;
            default: break;
            }
        }
        i += slab;
    }
}

/// dW in panels, Wp[p][i][c] = Σ_b dy[b][16p + c]·x[b][i], and db (both
/// overwritten). δ is packed first into `scratch` (m·count scalars) as one
/// [count][16] block per panel; then, per 24 inputs, blocks of 6 inputs × 16
/// outputs accumulate over the batch in registers, reading x in place.
static void panel_weight_gradient(const float *dy, const float *x, float *dwp, float *db, Int n, Int m, Int count, float *scratch) {
    panel_weight_gradient_outputs(dy, x, dwp, db, n, m, count, scratch, 0, m);
}

/// dx[b][i] (= or +=) Σⱼ dy[b][j]·W[j][i] over W in panels: per sample and
/// input, one 16-wide product per panel and one horizontal sum. Plain: a
/// training step never needs the input gradient of a layer kept in panels.
static void panel_input_gradient(const float *dy, const float *wp, float *dx, int accumulate, Int n, Int m, Int count) {
    for (Int b = 0; b < count; b++) {
        const float *d = dy + b * m;
        for (Int i = 0; i < n; i++) {
            v8 a0 = zero(), a1 = zero();
            for (Int j = 0; j < m; j += PANEL) {
                const float *w = wp + (j * n + i * PANEL);
                a0 = a0 + ld(d + j) * ld(w); a1 = a1 + ld(d + j + 8) * ld(w + 8);
            }
            float s = sum(a0 + a1);
            dx[b * n + i] = accumulate ? dx[b * n + i] + s : s;
        }
    }
}

// MARK: - Exponentials

typedef int32_t i8v __attribute__((vector_size(32)));
typedef uint32_t u8v __attribute__((vector_size(32)));

/// Lanes of a where mask is set, else of b.
INLINE v8 select(i8v mask, v8 a, v8 b) { return (v8)(((i8v)a & mask) | ((i8v)b & ~mask)); }

/// eᵛ for 8 lanes, branch-free: eᵛ = 2ᵏ·eʳ with k = round(v/ln 2) and
/// |r| ≤ ln 2 / 2, eʳ from Cephes' `expf` polynomial (at most a few ulp from
/// the correctly rounded result over ExpKernelTests' 2.2 million points), 2ᵏ
/// applied as two halves so results underflow to subnormals and zero, and
/// overflow to +∞, as `expf` does. NaN stays NaN.
INLINE v8 exp8(v8 x) {
    // Comparisons, not min/max: a NaN fails both and passes through.
    v8 v = select(x < -104.0f, splat(-104.0f), x);  // e⁻¹⁰⁴ rounds to 0
    v = select(v > 89.0f, splat(89.0f), v);  // e⁸⁹ overflows to +∞
    const v8 shifter = splat(12582912.0f);
    v8 t = shifter + v * 1.44269504f;
    v8 k = t - shifter;
    v8 r = v + k * -0.693359375f;
    r = r + k * 2.1219444e-4f;
    v8 p = splat(1.98756915e-4f);
    p = 1.3981999507e-3f + p * r;
    p = 8.3334519073e-3f + p * r;
    p = 4.1665795894e-2f + p * r;
    p = 1.6666665459e-1f + p * r;
    p = 5.0000001201e-1f + p * r;
    v8 e = (r + 1.0f) + p * (r * r);
    i8v power = (i8v)((u8v)t - (u8v)shifter);
    i8v half = power >> 1;
    v8 a = (v8)((u8v)(half + 127) << 23);
    v8 b = (v8)((u8v)(power - half + 127) << 23);
    return e * a * b;
}

/// The last 1–7 values of a run (k of them) as a vector's first lanes, the
/// rest 0, and back. They move lane by lane, not through a stack array: a
/// vector load of scalar stores stalls store forwarding, which cost a
/// 3-class softmax more than its arithmetic.
INLINE v8 load_tail(const float *x, Int k) {
    v8 v = splat(0.0f);
    switch (k) {
    case 7: v[6] = x[6]; /* fall through */
    case 6: v[5] = x[5]; /* fall through */
    case 5: v[4] = x[4]; /* fall through */
    case 4: v[3] = x[3]; /* fall through */
    case 3: v[2] = x[2]; /* fall through */
    case 2: v[1] = x[1]; /* fall through */
    default: v[0] = x[0];
    }
    return v;
}

INLINE void store_tail(v8 v, float *y, Int k) {
    switch (k) {
    case 7: y[6] = v[6]; /* fall through */
    case 6: y[5] = v[5]; /* fall through */
    case 5: y[4] = v[4]; /* fall through */
    case 4: y[3] = v[3]; /* fall through */
    case 3: y[2] = v[2]; /* fall through */
    case 2: y[1] = v[1]; /* fall through */
    default: y[0] = v[0];
    }
}

static void exp_shifted(const float *x, float shift, float *y, Int n) {
    Int i = 0;
    for (; i + 8 <= n; i += 8) st(exp8(ld(x + i) - shift), y + i);
    if (i < n) store_tail(exp8(load_tail(x + i, n - i) - shift), y + i, n - i);
}

// MARK: - Activations
//
// Each is the formula Math (Swift) uses for one value, over 8 lanes and
// branch-free: both sides of a case are computed and one selected. NaN
// stays NaN: every selection tests with a comparison a NaN fails, and the
// side it then takes carries the NaN through.

INLINE v8 magnitude(v8 v) { return (v8)((i8v)v & 0x7fffffff); }
INLINE v8 with_sign_of(v8 m, v8 v) { return (v8)((i8v)m | ((i8v)v & (i8v)splat(-0.0f))); }

/// σ(x) = 1 / (1 + e⁻ˣ) for x ≥ 0, eˣ / (1 + eˣ) below: one division of
/// (1 or e^−|x|) by 1 + e^−|x|, never overflowing.
INLINE v8 sigmoid8(v8 x) {
    v8 e = exp8(-magnitude(x));
    return select(x < 0.0f, e, splat(1.0f)) / (1.0f + e);
}

/// tanh as Cephes' `tanhf`: below |x| = 0.625 its odd polynomial, above it
/// 1 − 2 / (e^2|x| + 1), which reaches 1 where e^2|x| overflows; the sign
/// restored last, so tanh(−0) = −0.
INLINE v8 tanh8(v8 x) {
    v8 a = magnitude(x), z = a * a;
    v8 p = splat(-5.70498872745e-3f);
    p = 2.06390887954e-2f + p * z;
    p = -5.37397155531e-2f + p * z;
    p = 1.33314422036e-1f + p * z;
    p = -3.33332819422e-1f + p * z;
    v8 small = a + a * (z * p);
    v8 large = 1.0f - 2.0f / (exp8(a + a) + 1.0f);
    return with_sign_of(select(a < 0.625f, small, large), x);
}

/// eˣ − 1: below |x| = 0.5 its Taylor series to x⁸ (the rest is under
/// 10⁻⁸ relative), so small results keep their digits; eˣ − 1 above.
INLINE v8 expm1_8(v8 x) {
    v8 q = splat(1.0f / 40320);
    q = 1.0f / 5040 + q * x;
    q = 1.0f / 720 + q * x;
    q = 1.0f / 120 + q * x;
    q = 1.0f / 24 + q * x;
    q = 1.0f / 6 + q * x;
    q = 0.5f + q * x;
    v8 small = with_sign_of(magnitude(x + x * (x * q)), x);  // eˣ − 1 has x's sign: −0 stays −0
    return select(magnitude(x) < 0.5f, small, exp8(x) - 1.0f);
}

/// x for x > 0, α(eˣ − 1) otherwise.
INLINE v8 elu8(v8 x, float alpha) { return select(x > 0.0f, x, alpha * expm1_8(x)); }

/// softplus(x) = max(x, 0) + log(1 + e^−|x|), the log as 2·atanh(s) with
/// s = e / (2 + e) ≤ 1/3 (its series to s¹³; the rest is under 2·10⁻⁸
/// relative), so a tiny e keeps its digits.
INLINE v8 softplus8(v8 x) {
    v8 e = exp8(-magnitude(x));
    v8 s = e / (2.0f + e), z = s * s;
    v8 p = splat(1.0f / 13);
    p = 1.0f / 11 + p * z;
    p = 1.0f / 9 + p * z;
    p = 1.0f / 7 + p * z;
    p = 1.0f / 5 + p * z;
    p = 1.0f / 3 + p * z;
    v8 twice = s + s;
    return select(x > 0.0f, x, zero()) + (twice + twice * (z * p));
}

/// erfc(z) for z ≥ 0 as Numerical Recipes' `erfcc` (Chebyshev fitting):
/// s·e^(−z² + P(s)), s = 1/(1 + z/2), within 1.2·10⁻⁷ relative everywhere;
/// z² given, as the caller can round it once.
INLINE v8 erfc_positive8(v8 z, v8 z2) {
    v8 s = 1.0f / (1.0f + 0.5f * z);
    v8 p = splat(0.17087277f);
    p = -0.82215223f + s * p;
    p = 1.48851587f + s * p;
    p = -1.13520398f + s * p;
    p = 0.27886807f + s * p;
    p = -0.18628806f + s * p;
    p = 0.09678418f + s * p;
    p = 0.37409196f + s * p;
    p = 1.00002368f + s * p;
    p = -1.26551223f + s * p;
    return s * exp8(p - z2);
}

/// Φ(x), the standard normal distribution: below |x| = 1, 1/2 + φ's
/// integral as its series to x¹⁷ (the rest under 3·10⁻¹⁰); beyond,
/// erfc(|x|/√2)/2 below 0 and one minus it above, so neither side cancels.
INLINE v8 normal_cdf8(v8 x) {
    v8 a = magnitude(x), z = x * x;
    v8 half = 0.5f * erfc_positive8(a * 0.70710678118654752440f, 0.5f * z);
    v8 q = splat(1.0f / 175472640);
    q = -1.0f / 9676800 + z * q;
    q = 1.0f / 599040 + z * q;
    q = -1.0f / 42240 + z * q;
    q = 1.0f / 3456 + z * q;
    q = -1.0f / 336 + z * q;
    q = 1.0f / 40 + z * q;
    q = -1.0f / 6 + z * q;
    v8 near = 0.5f + 0.39894228040143267794f * (x + x * (z * q));
    return select(a < 1.0f, near, select(x < 0.0f, half, 1.0f - half));
}

/// GELU, x·Φ(x).
INLINE v8 gelu8(v8 x) { return x * normal_cdf8(x); }

/// GELU's tanh approximation is x·σ(2u): 2u = 2√(2/π)·(x + 0.044715x³) = x·(c + c·0.044715·x²), from x and x².
INLINE v8 gelu_tanh_argument8(v8 x, v8 z) { return x * (1.5957691216057307118f + 0.071354816f * z); }
INLINE v8 gelu_tanh8(v8 x) { return x * sigmoid8(gelu_tanh_argument8(x, x * x)); }

INLINE v8 activate(int kind, float parameter, v8 v) {
    switch (kind) {
    case NETC_SIGMOID: return sigmoid8(v);
    case NETC_TANH: return tanh8(v);
    case NETC_ELU: return elu8(v, parameter);
    case NETC_SILU: return v * sigmoid8(v);
    case NETC_GELU_TANH: return gelu_tanh8(v);
    case NETC_GELU: return gelu8(v);
    default: return softplus8(v);
    }
}

static void activation(int kind, float parameter, const float *x, float *y, Int n) {
    Int i = 0;
    for (; i + 8 <= n; i += 8) st(activate(kind, parameter, ld(x + i)), y + i);
    if (i < n) store_tail(activate(kind, parameter, load_tail(x + i, n - i)), y + i, n - i);
}

/// f′(x) for the activations whose derivative reads x (the others read y,
/// a loop the compiler vectorises): softplus σ(x); silu σ(x) + x·σ′(x);
/// gelu's tanh form σ(v) + x·σ′(v)·v′, v′ = c(1 + 3·0.044715x²); gelu
/// Φ(x) + x·φ(x).
/// σ(v) and σ′(v) = σ(v)(1 − σ(v)) = e/(1 + e)², e = e^−|v|: no 1 − σ, which cancels for large v.
INLINE v8 sigmoid_slope8(v8 v, v8 *slope) {
    v8 e = exp8(-magnitude(v)), d = 1.0f / (1.0f + e);
    *slope = e * d * d;
    return select(v < 0.0f, e * d, d);
}

INLINE v8 derivative(int kind, v8 x) {
    v8 slope;
    switch (kind) {
    case NETC_SILU: {
        v8 s = sigmoid_slope8(x, &slope);
        return s + x * slope;
    }
    case NETC_GELU_TANH: {
        v8 z = x * x, s = sigmoid_slope8(gelu_tanh_argument8(x, z), &slope);
        return s + x * slope * (1.5957691216057307118f * (1.0f + 0.134145f * z));
    }
    case NETC_GELU: return normal_cdf8(x) + x * (0.39894228040143267794f * exp8(-0.5f * (x * x)));  // Φ + x·φ
    default: return sigmoid8(x);
    }
}

/// dx[i] (= or +=) dy[i]·f′(x[i]) for i < n.
static void activation_gradient(int kind, const float *x, const float *dy, float *dx, int accumulate, Int n) {
    Int i = 0;
    for (; i + 8 <= n; i += 8) {
        v8 v = ld(dy + i) * derivative(kind, ld(x + i));
        st(accumulate ? ld(dx + i) + v : v, dx + i);
    }
    if (i == n) return;
    v8 v = load_tail(dy + i, n - i) * derivative(kind, load_tail(x + i, n - i));
    store_tail(accumulate ? load_tail(dx + i, n - i) + v : v, dx + i, n - i);
}

#include "optimizer.h"
#include "convolution.h"
#include "pooling.h"
#include "normalisation.h"

const netc_kernel_table NETC_CAT(netc_kernels, NETC_SET) = {
    linear, linear_transposed, weight_gradient, input_gradient,
    panel_linear, panel_weight_gradient, panel_input_gradient, exp_shifted, activation, activation_gradient,
    update_apply, update_is_finite, max_magnitude, sum_of_squares, peak_loop,
    convolution_forward, convolution_weight_gradient, convolution_input_gradient, convolution_weight_gradient_outputs,
    max_pool_forward, max_pool_backward, avg_pool_forward, avg_pool_backward,
    batch_norm_forward, batch_norm_backward, batch_norm_update,
    layer_norm_forward, layer_norm_backward,
    transpose_weights, linear_transposed_rows, linear_rows, weight_gradient_rows,
    panel_linear_outputs, panel_weight_gradient_outputs,
};
