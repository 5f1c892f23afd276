// MARK: - Convolution over planes (included by body.h, once per kernel set)
//
// The model keeps a convolution's input [channels][height][width] and its
// output [outputs][rows][columns] per sample, and these kernels work in that
// layout: vectors run along a row of output positions, so the product
// Y[o][p] = Σ_r W[o][r]·X[r][p] over taps r = (c, ky, kx) is the outer-product
// micro-kernel of a matrix product — 6 outputs × 16 positions in 12 vector
// accumulators, one broadcast weight and two vector loads per 12 multiply-adds
// — whatever the channel counts. X[r][p] is not built: tap r of position
// (oy, ox) reads src[offset[r] + oy·pitch + ox], where src is the sample
// itself at stride 1 (a zero-padded copy when the convolution pads), or, at
// other strides, the windows copied out as rows [taps][positions] (im2col,
// position-major within a row: then the row is one long line of positions).
//
// A row's last vector is anchored at its end and overlaps the one before:
// the forward pass computes those positions twice, identically, and the
// weight gradient masks the lanes already counted. So rows need 8 positions
// or more (netc_convolution_supported); no lane ever reads outside its row.

#include "convolution_layout.h"

/// Where one sample's windows read: tap r at output (oy, ox) reads
/// src[offset[r] + oy·pitch + ox]; rows × width output positions.
typedef struct {
    const float *src;
    const int32_t *offset;
    ptrdiff_t taps, rows, width, pitch;
} conv_view;

/// What every convolution kernel starts from: the layout, the 32-bit offsets
/// at the start of scratch (room for the taps' and the outputs'), the scratch
/// after them, and the scalars of one sample's input and output.
typedef struct {
    netc_convolution_layout l;
    int32_t *offset;
    float *rest;
    Int sample, out;
} conv_start;

INLINE conv_start conv_begin(const netc_convolution *g, Int count, float *scratch) {
    conv_start k;
    k.l = netc_convolution_lay_out(g, count);
    k.offset = (int32_t *)scratch;
    k.rest = scratch + k.l.taps + g->outputs;
    k.sample = g->channels * g->height * g->width;
    k.out = g->outputs * k.l.positions;
    return k;
}

/// Fills `offset` for the sample view the layout reads: in place or padded
/// (taps over channels and the kernel), or lowered (one row per tap).
static void conv_offsets(const netc_convolution *g, const netc_convolution_layout *l, int32_t *offset) {
    if (!l->direct) {
        for (Int r = 0; r < l->taps; r++) offset[r] = (int32_t)(r * l->positions);
        return;
    }
    Int pitch = l->padded ? l->padded_width : g->width, plane = l->padded ? l->padded_height * pitch : g->height * g->width;
    Int r = 0;
    for (Int c = 0; c < g->channels; c++)
        for (Int ky = 0; ky < g->kernel_height; ky++)
            for (Int kx = 0; kx < g->kernel_width; kx++)
                offset[r++] = (int32_t)(c * plane + ky * g->dilation * pitch + kx * g->dilation);
}

/// One sample's view: `x` in place, or its padded copy or windows written to `out`.
static conv_view conv_view_of(const netc_convolution *g, const netc_convolution_layout *l, const int32_t *offset,
                              const float *x, float *out) {
    conv_view v = {.src = x, .offset = offset, .taps = l->taps};
    if (l->direct) {
        v.rows = g->output_height; v.width = g->output_width;
        v.pitch = l->padded ? l->padded_width : g->width;
        if (l->padded) {
            Int hp = l->padded_height, wp = l->padded_width;
            for (Int c = 0; c < g->channels; c++) {
                float *plane = out + c * hp * wp;
                const float *in = x + c * g->height * g->width;
                for (Int i = 0; i < g->pad_top * wp; i++) plane[i] = 0;
                for (Int iy = 0; iy < g->height; iy++) {
                    float *row = plane + (iy + g->pad_top) * wp;
                    for (Int i = 0; i < g->pad_left; i++) row[i] = 0;
                    for (Int i = 0; i < g->width; i++) row[g->pad_left + i] = in[iy * g->width + i];
                    for (Int i = g->pad_left + g->width; i < wp; i++) row[i] = 0;
                }
                for (Int i = (g->pad_top + g->height) * wp; i < hp * wp; i++) plane[i] = 0;
            }
            v.src = out;
        }
        return v;
    }
    v.rows = 1; v.width = l->positions; v.pitch = 0; v.src = out;
    Int r = 0;
    for (Int c = 0; c < g->channels; c++) {
        const float *in = x + c * g->height * g->width;
        for (Int ky = 0; ky < g->kernel_height; ky++)
            for (Int kx = 0; kx < g->kernel_width; kx++, r++) {
                float *row = out + r * l->positions;
                for (Int oy = 0; oy < g->output_height; oy++) {
                    Int iy = oy * g->stride_y - g->pad_top + ky * g->dilation;
                    int inside = iy >= 0 && iy < g->height;
                    for (Int ox = 0; ox < g->output_width; ox++) {
                        Int ix = ox * g->stride_x - g->pad_left + kx * g->dilation;
                        row[oy * g->output_width + ox] = inside && ix >= 0 && ix < g->width ? in[iy * g->width + ix] : 0;
                    }
                }
            }
    }
    return v;
}

/// Position vector k of a view (rows of `width` positions, the last vector
/// of each row anchored at its end): its offset in the source and in the output.
INLINE void conv_slot(const conv_view *v, Int per_row, Int k, Int *src, Int *out) {
    Int oy = k / per_row, ox = (k % per_row) * 8;
    if (ox > v->width - 8) ox = v->width - 8;
    *src = oy * v->pitch + ox;
    *out = oy * v->width + ox;
}

/// The micro-kernel: for `rows` outputs (a constant, 1…6) × `slots` position
/// vectors (1 or 2) at s0 and s1, acc[o] = bias[o] + Σ_r A[o][r]·X[r][·],
/// A[o][r] at a[o·a_out + r·a_red] (bias may be NULL).
INLINE void conv_accumulate(const float *a, Int a_out, Int a_red, const float *bias, const conv_view *v,
                            Int s0, Int s1, v8 *acc0, v8 *acc1, int rows, int slots) {
    for (int o = 0; o < rows; o++) acc0[o] = acc1[o] = bias ? splat(bias[o]) : zero();
    for (Int r = 0; r < v->taps; r++) {
        const float *q = v->src + v->offset[r], *ar = a + r * a_red;
        v8 x0 = ld(q + s0), x1 = slots > 1 ? ld(q + s1) : x0;
        for (int o = 0; o < rows; o++) {
            v8 w = splat(ar[o * a_out]);
            acc0[o] = acc0[o] + w * x0;
            if (slots > 1) acc1[o] = acc1[o] + w * x1;
        }
    }
}

/// The micro-kernel's sums stored: y[o][p] = bias[o] + Σ_r A[o][r]·X[r][p];
/// with `rectify`, relu of that (x < 0 ? 0 : x, so NaN stays NaN).
INLINE void conv_tile(const float *a, Int a_out, Int a_red, const float *bias, const conv_view *v,
                      Int s0, Int s1, float *y0, float *y1, Int y_plane, int rectify, int rows, int slots) {
    v8 acc0[6], acc1[6];
    conv_accumulate(a, a_out, a_red, bias, v, s0, s1, acc0, acc1, rows, slots);
    for (int o = 0; o < rows; o++) {
        if (rectify) {
            acc0[o] = select(acc0[o] < 0, zero(), acc0[o]);
            acc1[o] = select(acc1[o] < 0, zero(), acc1[o]);
        }
        st(acc0[o], y0 + o * y_plane);
        if (slots > 1) st(acc1[o], y1 + o * y_plane);
    }
}

/// y[o][p] = bias[o] + Σ_r A[o][r]·X[r][p] for o < outputs over the whole view.
static void conv_product(const float *a, Int a_out, Int a_red, const float *bias, const conv_view *v,
                         float *y, Int y_plane, Int outputs, int rectify) {
    Int per_row = (v->width + 7) / 8, slots = v->rows * per_row;
    for (Int o = 0; o < outputs; o += 6) {
        int rows = (int)min_int(6, outputs - o);
        const float *ao = a + o * a_out, *bo = bias ? bias + o : 0;
        float *yo = y + o * y_plane;
        for (Int k = 0; k < slots; k += 2) {
            Int s0, s1, t0, t1;
            conv_slot(v, per_row, k, &s0, &t0);
            int two = k + 1 < slots;
            if (two) conv_slot(v, per_row, k + 1, &s1, &t1); else { s1 = s0; t1 = t0; }
            switch (rows * 2 + two) {
#define NETC_TILE(R) \
            case R * 2 + 1: conv_tile(ao, a_out, a_red, bo, v, s0, s1, yo + t0, yo + t1, y_plane, rectify, R, 2); break; \
            case R * 2: conv_tile(ao, a_out, a_red, bo, v, s0, s0, yo + t0, yo + t0, y_plane, rectify, R, 1); break;
            NETC_TILE(6) NETC_TILE(5) NETC_TILE(4) NETC_TILE(3) NETC_TILE(2) NETC_TILE(1)
#undef NETC_TILE
            default: break;
            }
        }
    }
}

static void convolution_forward(const netc_convolution *g, const float *w, const float *bias, const float *x, float *y,
                                int rectify, Int count, float *scratch) {
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    conv_start start = conv_begin(g, count, scratch);
    netc_convolution_layout l = start.l;
    int32_t *offset = start.offset;
    float *views = start.rest;
    conv_offsets(g, &l, offset);
    Int sample = start.sample, out = start.out;
    for (Int b = 0; b < count; b++) {
        conv_view v = conv_view_of(g, &l, offset, x + b * sample, views);
        conv_product(w, l.taps, 1, bias, &v, y + b * out, l.positions, g->outputs, rectify);
    }
}

/// A view's position vectors in order, three integers each: where the vector
/// starts in the source and in δ, and how many of its first lanes the vector
/// before it already covered (the anchored last vector of a row).
static Int conv_slots(const conv_view *v, int32_t *slot) {
    Int n = 0;
    for (Int oy = 0; oy < v->rows; oy++)
        for (Int s = 0; s < v->width; s += 8, n++) {
            Int ox = min_int(s, v->width - 8);
            slot[3 * n] = (int32_t)(oy * v->pitch + ox);
            slot[3 * n + 1] = (int32_t)(oy * v->width + ox);
            slot[3 * n + 2] = (int32_t)(s - ox);
        }
    return n;
}

/// The weight gradient for fewer than 16 outputs, positions along the
/// vectors: `rows` outputs (1…3) × `taps` consecutive taps (1…4) from r0,
/// summed over the positions of `count` samples' views; with `masked`, lanes
/// a row's last vector shares with the one before are masked out of δ.
INLINE void conv_gradient_tile_p(const float *dy, Int dy_sample, Int dy_plane, const conv_view *views, Int count, Int r0,
                                 const int32_t *slot, Int slots, float *dw, Int dw_row, int rows, int taps, int masked) {
    v8 acc[3][4];
    for (int o = 0; o < rows; o++)
        for (int t = 0; t < taps; t++) acc[o][t] = zero();
    const i8v lane = {0, 1, 2, 3, 4, 5, 6, 7};
    for (Int b = 0; b < count; b++) {
        const conv_view *v = views + b;
        const float *d = dy + b * dy_sample;
        const float *q[4];
        for (int t = 0; t < taps; t++) q[t] = v->src + v->offset[r0 + t];
        for (Int k = 0; k < slots; k++) {
            const int32_t *at = slot + 3 * k;
            const float *dk = d + at[1];
            v8 e[3];
            for (int o = 0; o < rows; o++) e[o] = ld(dk + o * dy_plane);
            if (masked) {
                i8v fresh = lane >= at[2];
                for (int o = 0; o < rows; o++) e[o] = (v8)((i8v)e[o] & fresh);
            }
            for (int t = 0; t < taps; t++) {
                v8 u = ld(q[t] + at[0]);
                for (int o = 0; o < rows; o++) acc[o][t] = acc[o][t] + e[o] * u;
            }
        }
    }
    float lanes[3][4][8];  // through memory once (see conv_gradient_tile)
    for (int o = 0; o < rows; o++)
        for (int t = 0; t < taps; t++) st(acc[o][t], lanes[o][t]);
    for (int o = 0; o < rows; o++)
        for (int t = 0; t < taps; t++) dw[o * dw_row + t] += sum(ld(lanes[o][t]));
}

static void conv_gradient_block_p(const float *dy, Int dy_sample, Int dy_plane, const conv_view *views, Int count,
                                  const int32_t *slot, Int slots, float *dw, Int outputs, Int taps) {
    int masked = views[0].width % 8 != 0;
    for (Int o = 0; o < outputs; o += 3) {
        int rows = (int)min_int(3, outputs - o);
        for (Int r = 0; r < taps; r += 4) {
            int n = (int)min_int(4, taps - r);
            const float *d = dy + o * dy_plane;
            float *at = dw + o * taps + r;
            switch ((rows * 5 + n) * 2 + masked) {
#define NETC_GRADIENT_TILE(R, T) \
            case (R * 5 + T) * 2: conv_gradient_tile_p(d, dy_sample, dy_plane, views, count, r, slot, slots, at, taps, R, T, 0); break; \
            case (R * 5 + T) * 2 + 1: conv_gradient_tile_p(d, dy_sample, dy_plane, views, count, r, slot, slots, at, taps, R, T, 1); break;
            NETC_GRADIENT_TILE(3, 4) NETC_GRADIENT_TILE(3, 3) NETC_GRADIENT_TILE(3, 2) NETC_GRADIENT_TILE(3, 1)
            NETC_GRADIENT_TILE(2, 4) NETC_GRADIENT_TILE(2, 3) NETC_GRADIENT_TILE(2, 2) NETC_GRADIENT_TILE(2, 1)
            NETC_GRADIENT_TILE(1, 4) NETC_GRADIENT_TILE(1, 3) NETC_GRADIENT_TILE(1, 2) NETC_GRADIENT_TILE(1, 1)
#undef NETC_GRADIENT_TILE
            default: break;
            }
        }
    }
}

/// The weight gradient for 16 outputs or more, outputs along the vectors: `taps` consecutive taps
/// (1…6) from r0 × 8·`vectors` outputs (1 or 2) from the first of `dyt`, δ
/// transposed per sample to [positions][stride] (outputs, then zeros up to a
/// whole 8); per position, each tap's value broadcast against the outputs' δ.
/// The forward micro-kernel's shape: 12 accumulators, 2 loads and 6
/// broadcasts per 12 multiply-adds. Along positions instead, rows of 8 left
/// δ's vectors short: mnist-cnn's c2 ran at 54 GFLOP/s, this way at 98; its
/// c1 (6 outputs, so one vector of them) at 26 this way, 68 along positions.
INLINE void conv_gradient_tile(const float *dyt, Int stride, const conv_view *views, Int count, Int r0,
                               float *dw, Int dw_row, Int outputs, int taps, int vectors) {
    v8 acc0[6], acc1[6];
    for (int t = 0; t < taps; t++) acc0[t] = acc1[t] = zero();
    Int positions = views[0].rows * views[0].width;
    for (Int b = 0; b < count; b++) {
        const conv_view *v = views + b;
        const float *d = dyt + b * positions * stride;
        const float *q[6];
        for (int t = 0; t < taps; t++) q[t] = v->src + v->offset[r0 + t];
        for (Int oy = 0; oy < v->rows; oy++) {
            Int sr = oy * v->pitch;
            for (Int ox = 0; ox < v->width; ox++, d += stride) {
                v8 d0 = ld(d), d1 = vectors > 1 ? ld(d + 8) : d0;
                for (int t = 0; t < taps; t++) {
                    v8 u = splat(q[t][sr + ox]);
                    acc0[t] = acc0[t] + u * d0;
                    if (vectors > 1) acc1[t] = acc1[t] + u * d1;
                }
            }
        }
    }
    // Through memory once at the end: indexing the accumulators' lanes
    // directly kept every one of them in memory, stored at each multiply-add.
    float lanes[6][16];
    for (int t = 0; t < taps; t++) {
        st(acc0[t], lanes[t]);
        if (vectors > 1) st(acc1[t], lanes[t] + 8);
    }
    for (int t = 0; t < taps; t++)
        for (int k = 0; k < 8 * vectors && k < outputs; k++) dw[k * dw_row + t] += lanes[t][k];
}

static void conv_gradient_block(const float *dyt, Int stride, const conv_view *views, Int count, float *dw, Int outputs, Int taps) {
    for (Int o = 0; o < outputs; o += 16) {
        int vectors = outputs - o > 8 ? 2 : 1;
        for (Int r = 0; r < taps; r += 6) {
            int n = (int)min_int(6, taps - r);
            const float *d = dyt + o;
            float *at = dw + o * taps + r;
            switch (n * 2 + vectors - 1) {
#define NETC_GRADIENT_TILE(T) \
            case T * 2: conv_gradient_tile(d, stride, views, count, r, at, taps, outputs - o, T, 1); break; \
            case T * 2 + 1: conv_gradient_tile(d, stride, views, count, r, at, taps, outputs - o, T, 2); break;
            NETC_GRADIENT_TILE(6) NETC_GRADIENT_TILE(5) NETC_GRADIENT_TILE(4)
            NETC_GRADIENT_TILE(3) NETC_GRADIENT_TILE(2) NETC_GRADIENT_TILE(1)
#undef NETC_GRADIENT_TILE
            default: break;
            }
        }
    }
}

/// dW's and db's rows o0 ..< o1, over chunks of samples: their views prepared
/// (when not read in place), then every tile of those rows accumulated over
/// the chunk. Each row's sums are the same whichever rows share its tiles, so
/// the rows split across threads anywhere.
static void convolution_weight_gradient_outputs(const netc_convolution *g, const float *dy, const float *x, float *dw, float *db,
                                                Int count, float *scratch, Int o0, Int o1) {
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    conv_start start = conv_begin(g, count, scratch);
    netc_convolution_layout l = start.l;
    int32_t *offset = start.offset;
    float *views = start.rest;
    conv_offsets(g, &l, offset);
    Int sample = start.sample, out = start.out;
    for (Int i = o0 * l.taps; i < o1 * l.taps; i++) dw[i] = 0;
    if (db) {
        for (Int o = o0; o < o1; o++) {
            v8 acc = zero();
            float s = 0;
            for (Int b = 0; b < count; b++) {
                const float *d = dy + b * out + o * l.positions;
                Int p = 0;
                for (; p + 8 <= l.positions; p += 8) acc = acc + ld(d + p);
                for (; p < l.positions; p++) s += d[p];
            }
            db[o] = sum(acc) + s;
        }
    }
    enum { CHUNK_LIMIT = 256 };
    conv_view chunk[CHUNK_LIMIT];
    Int step = min_int(l.chunk, CHUNK_LIMIT), rows = o1 - o0, stride = (rows + 7) & ~(Int)7, slots = 0;
    int32_t *slot = (int32_t *)views;  // the position vectors' offsets, then the views
    views += 3 * l.slots;
    for (Int b = 0; b < count; b += step) {
        Int n = min_int(step, count - b);
        for (Int k = 0; k < n; k++) chunk[k] = conv_view_of(g, &l, offset, x + (b + k) * sample, views + k * l.view);
        if (g->outputs < 16) {
            if (b == 0) slots = conv_slots(&chunk[0], slot);
            conv_gradient_block_p(dy + b * out + o0 * l.positions, out, l.positions, chunk, n, slot, slots, dw + o0 * l.taps, rows, l.taps);
            continue;
        }
        float *dyt = views + step * l.view;
        for (Int k = 0; k < n; k++)
            for (Int p = 0; p < l.positions; p++) {
                float *row = dyt + (k * l.positions + p) * stride;
                for (Int o = 0; o < rows; o++) row[o] = dy[(b + k) * out + (o0 + o) * l.positions + p];
                for (Int o = rows; o < stride; o++) row[o] = 0;
            }
        conv_gradient_block(dyt, stride, chunk, n, dw + o0 * l.taps, rows, l.taps);
    }
}

static void convolution_weight_gradient(const netc_convolution *g, const float *dy, const float *x, float *dw, float *db,
                                        Int count, float *scratch) {
    convolution_weight_gradient_outputs(g, dy, x, dw, db, count, scratch, 0, g->outputs);
}

/// dx (= or +=) the window gradients cols[taps][positions] added back where
/// each window read. At stride 1, per input row and kernel column, the
/// kernel rows' contributions are summed in a register and added once: one
/// read-modify-write of dx per row and column, not per tap, and none that
/// partly overlaps a store still in flight (added per tap, c2's scatter took
/// 38 % of mnist-cnn's input gradient). Other strides: per tap and output row.
static void conv_scatter(const netc_convolution *g, const float *cols, Int positions, float *dx) {
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    Int d = g->dilation, kh = g->kernel_height, kw = g->kernel_width, ow = g->output_width;
    for (Int c = 0; c < g->channels; c++) {
        float *plane = dx + c * g->height * g->width;
        const float *taps = cols + c * kh * kw * positions;
        for (Int kx = 0; kx < kw; kx++) {
            // Columns ox with 0 ≤ ox·stride_x − pad_left + kx·dilation < width.
            Int shift = kx * d - g->pad_left, low = 0, high = ow;
            while (low < high && low * g->stride_x + shift < 0) low++;
            while (high > low && (high - 1) * g->stride_x + shift >= g->width) high--;
            if (g->stride_x == 1 && g->stride_y == 1) {
                for (Int iy = 0; iy < g->height; iy++) {
                    float *to = plane + iy * g->width + shift;
                    Int ox = low;
                    for (; ox + 8 <= high; ox += 8) {
                        v8 a = ld(to + ox);
                        for (Int ky = 0; ky < kh; ky++) {
                            Int oy = iy + g->pad_top - ky * d;
                            if (oy >= 0 && oy < g->output_height) a = a + ld(taps + (ky * kw + kx) * positions + oy * ow + ox);
                        }
                        st(a, to + ox);
                    }
                    for (; ox < high; ox++) {
                        float a = to[ox];
                        for (Int ky = 0; ky < kh; ky++) {
                            Int oy = iy + g->pad_top - ky * d;
                            if (oy >= 0 && oy < g->output_height) a += taps[(ky * kw + kx) * positions + oy * ow + ox];
                        }
                        to[ox] = a;
                    }
                }
                continue;
            }
            for (Int ky = 0; ky < kh; ky++) {
                const float *row = taps + (ky * kw + kx) * positions;
                for (Int oy = 0; oy < g->output_height; oy++) {
                    Int iy = oy * g->stride_y - g->pad_top + ky * d;
                    if (iy < 0 || iy >= g->height) continue;
                    float *to = plane + iy * g->width + shift;
                    const float *from = row + oy * ow;
                    for (Int ox = low; ox < high; ox++) to[ox * g->stride_x] += from[ox];
                }
            }
        }
    }
}

/// The input gradient of a stride-1 convolution without padding, straight
/// from the product's tiles: `rows` taps (1…6, `step` apart) × `slots` position
/// vectors of δ (1 or 2), Σ_o W[o][r]·δ[o][p] added into dx where tap r read
/// for position p — at[r] + oy·width + ox, a run of 8 inside the input — with
/// the lanes a row's anchored last vector shares with the one before masked
/// out. No window gradients in between (they took a third of mnist-cnn's c2
/// input gradient to write and scatter back).
INLINE void conv_tile_add(const float *w, Int taps, Int step, const conv_view *v, Int s0, Int s1, i8v keep0, i8v keep1,
                          float *d0, float *d1, const int32_t *at, int rows, int slots) {
    v8 acc0[6], acc1[6];
    conv_accumulate(w, step, taps, 0, v, s0, s1, acc0, acc1, rows, slots);
    for (int o = 0; o < rows; o++) {
        float *p0 = d0 + at[o * step];
        st(ld(p0) + (v8)((i8v)acc0[o] & keep0), p0);
        if (slots > 1) {
            float *p1 = d1 + at[o * step];
            st(ld(p1) + (v8)((i8v)acc1[o] & keep1), p1);
        }
    }
}

/// Every tile of conv_tile_add over one sample: δ's view is rows of the
/// output, dxb the sample's input gradient, at[r] where tap r reads. A tile's
/// taps are one kernel column (every ky at one c, kx), so the runs it adds
/// into dx are a row apart or the same run, never runs a column apart that a
/// load would find half-stored (taken in order, they ran slower than writing
/// the window gradients out and scattering them).
static void conv_add_product(const netc_convolution *g, const float *w, Int taps, const conv_view *v, float *dxb, const int32_t *at) {
    Int per_row = (v->width + 7) / 8, slots = v->rows * per_row, kh = g->kernel_height, kw = g->kernel_width;
    const i8v lane = {0, 1, 2, 3, 4, 5, 6, 7};
    for (Int c = 0; c < g->channels; c++)
        for (Int kx = 0; kx < kw; kx++)
            for (Int ky = 0; ky < kh; ky += 6) {
                Int r = (c * kh + ky) * kw + kx;
                int rows = (int)min_int(6, kh - ky);
                for (Int k = 0; k < slots; k += 2) {
                    Int oy0 = k / per_row, sx0 = (k % per_row) * 8, ox0 = min_int(sx0, v->width - 8);
                    Int k1 = min_int(k + 1, slots - 1), oy1 = k1 / per_row, sx1 = (k1 % per_row) * 8, ox1 = min_int(sx1, v->width - 8);
                    i8v keep0 = lane >= (int32_t)(sx0 - ox0), keep1 = lane >= (int32_t)(sx1 - ox1);
                    const float *wr = w + r;
                    float *d0 = dxb + oy0 * g->width + ox0, *d1 = dxb + oy1 * g->width + ox1;
                    Int s0 = oy0 * v->pitch + ox0, s1 = oy1 * v->pitch + ox1;
                    int two = k + 1 < slots;
                    switch (rows * 2 + two) {
#define NETC_ADD_TILE(R) \
                    case R * 2 + 1: conv_tile_add(wr, taps, kw, v, s0, s1, keep0, keep1, d0, d1, at + r, R, 2); break; \
                    case R * 2: conv_tile_add(wr, taps, kw, v, s0, s0, keep0, keep0, d0, d0, at + r, R, 1); break;
                    NETC_ADD_TILE(6) NETC_ADD_TILE(5) NETC_ADD_TILE(4) NETC_ADD_TILE(3) NETC_ADD_TILE(2) NETC_ADD_TILE(1)
#undef NETC_ADD_TILE
                    default: break;
                    }
                }
            }
}

/// Per sample, at stride 1 without padding, the tiles added straight into dx;
/// otherwise the window gradients Wᵀ·δ as rows [taps][positions] (the forward
/// micro-kernel, with W read transposed and δ as the view), then scattered back.
static void convolution_input_gradient(const netc_convolution *g, const float *dy, const float *w, float *dx, int accumulate,
                                       Int count, float *scratch) {
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    conv_start start = conv_begin(g, count, scratch);
    netc_convolution_layout l = start.l;
    int32_t *offset = start.offset;
    float *cols = start.rest;
    for (Int o = 0; o < g->outputs; o++) offset[o] = (int32_t)(o * l.positions);
    Int sample = start.sample, out = start.out;
    int in_place = l.direct && !l.padded;
    if (in_place) conv_offsets(g, &l, offset + g->outputs);  // where each tap reads: the tiles' runs in dx
    for (Int b = 0; b < count; b++) {
        float *dxb = dx + b * sample;
        if (!accumulate) for (Int i = 0; i < sample; i++) dxb[i] = 0;
        if (in_place) {
            conv_view v = {.src = dy + b * out, .offset = offset, .taps = g->outputs, .rows = g->output_height,
                           .width = g->output_width, .pitch = g->output_width};
            conv_add_product(g, w, l.taps, &v, dxb, offset + g->outputs);
            continue;
        }
        conv_view v = {.src = dy + b * out, .offset = offset, .taps = g->outputs, .rows = 1, .width = l.positions, .pitch = 0};
        conv_product(w, 1, l.taps, 0, &v, cols, l.positions, l.taps, 0);
        conv_scatter(g, cols, l.positions, dxb);
    }
}
