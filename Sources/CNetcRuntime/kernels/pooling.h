// MARK: - Pooling (included by body.h, once per kernel set)
//
// Max and average pooling over each channel's plane, as PoolOp defines them
// (Sources/NetcCore/Ops/Pooling.swift): a max ignores padding, propagates
// NaN and sends the gradient to the window's first maximum; a mean counts
// padding as zeros. The backward pass of a max finds that maximum again as
// the window's first value equal to the output (or the first NaN when the
// output is NaN), which is the forward pass's choice, so nothing is stored
// between the passes. When the pool's input is a relu's output, its backward
// pass can also do the relu's (`rectify`): each share times relu′ of the
// maximum, written to the relu's input gradient. The common 2×2 windows at
// stride 2 without padding run eight (or, in rows of 4–7, four) outputs at a
// time, even and odd columns split by shuffles; every other window runs one
// output at a time.

INLINE v8 evens(v8 a, v8 b) { return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14); }
INLINE v8 odds(v8 a, v8 b) { return __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15); }
INLINE v8 low_half(v8 e, v8 o) { return __builtin_shufflevector(e, o, 0, 8, 1, 9, 2, 10, 3, 11); }
INLINE v8 high_half(v8 e, v8 o) { return __builtin_shufflevector(e, o, 4, 12, 5, 13, 6, 14, 7, 15); }
INLINE v8 masked(v8 v, i8v m) { return (v8)((i8v)v & m); }

/// Whether the windows are 2×2 at stride 2, inside the input, rows of 4 outputs or more.
static int pool_pairs(const netc_convolution *g) {
    return g->kernel_height == 2 && g->kernel_width == 2 && g->stride_y == 2 && g->stride_x == 2 && g->dilation == 1
        && (g->pad_top | g->pad_bottom | g->pad_left | g->pad_right) == 0 && g->output_width >= 4;
}

INLINE v4 evens4(v8 a) { return __builtin_shufflevector(a, a, 0, 2, 4, 6); }
INLINE v4 odds4(v8 a) { return __builtin_shufflevector(a, a, 1, 3, 5, 7); }
INLINE v8 interleave4(v4 e, v4 o) { return __builtin_shufflevector(e, o, 0, 4, 1, 5, 2, 6, 3, 7); }
INLINE v4 ld4(const float *p) { return *(const v4u *)p; }
INLINE void st4(v4 v, float *p) { *(v4u *)p = v; }
typedef int32_t i4v __attribute__((vector_size(16)));

/// One 2×2 window per lane, the lanes' four taps in window order: their maximum (NaN first).
#define NETC_POOL_MAX(T, M, taps, best) \
    T best = taps[0]; \
    for (int t = 1; t < 4; t++) { \
        M take = (taps[t] > best) | ((taps[t] != taps[t]) & ~(best != best)); \
        best = (T)(((M)taps[t] & take) | ((M)best & ~take)); \
    }

/// The share each tap gets of `grad`: all of it at the first tap equal to the
/// output (or the first NaN when the output is NaN), none elsewhere.
#define NETC_POOL_SHARES(T, M, taps, out, grad, share) \
    T share[4]; \
    { \
        M found = (M){0}; \
        for (int t = 0; t < 4; t++) { \
            M hit = ((taps[t] == out) | ((taps[t] != taps[t]) & (out != out))) & ~found; \
            found |= hit; \
            share[t] = (T)((M)grad & hit); \
        } \
    }

/// The window of output (oy, ox) inside the input: rows [y0, y1), columns [x0, x1), step `dilation`.
INLINE void pool_window(const netc_convolution *g, Int oy, Int ox, Int *y0, Int *y1, Int *x0, Int *x1) {
    Int top = oy * g->stride_y - g->pad_top, left = ox * g->stride_x - g->pad_left, d = g->dilation;
    Int ky0 = 0, ky1 = g->kernel_height, kx0 = 0, kx1 = g->kernel_width;
    while (ky0 < ky1 && top + ky0 * d < 0) ky0++;
    while (ky1 > ky0 && top + (ky1 - 1) * d >= g->height) ky1--;
    while (kx0 < kx1 && left + kx0 * d < 0) kx0++;
    while (kx1 > kx0 && left + (kx1 - 1) * d >= g->width) kx1--;
    *y0 = top + ky0 * d; *y1 = top + ky1 * d; *x0 = left + kx0 * d; *x1 = left + kx1 * d;
}

/// The window's first maximum (or first NaN) as an index into `plane`.
INLINE Int pool_argmax(const netc_convolution *g, const float *plane, Int oy, Int ox) {
    Int y0, y1, x0, x1, d = g->dilation, at = -1;
    pool_window(g, oy, ox, &y0, &y1, &x0, &x1);
    for (Int iy = y0; iy < y1; iy += d)
        for (Int ix = x0; ix < x1; ix += d) {
            Int i = iy * g->width + ix;
            float v = plane[i];
            if (at < 0 || v > plane[at] || (v != v && plane[at] == plane[at])) at = i;
        }
    return at;
}

enum { POOL_TAPS = 64 };

/// The window's taps as offsets from its first, when no window reaches into
/// padding and there are at most POOL_TAPS of them; else 0.
static Int pool_taps(const netc_convolution *g, Int *tap) {
    if ((g->pad_top | g->pad_bottom | g->pad_left | g->pad_right) != 0 || g->kernel_height * g->kernel_width > POOL_TAPS) return 0;
    Int n = 0;
    for (Int ky = 0; ky < g->kernel_height; ky++)
        for (Int kx = 0; kx < g->kernel_width; kx++) tap[n++] = (ky * g->width + kx) * g->dilation;
    return n;
}

/// Where the window's first maximum (or first NaN) is, as its tap's offset, without branches.
/// (The window of output (oy, ox) of `plane`, with taps from pool_taps when it has them.)
INLINE Int pool_first_max(const float *p, const Int *tap, Int taps) {
    float best = p[tap[0]];
    Int at = tap[0];
    for (Int t = 1; t < taps; t++) {
        float v = p[tap[t]];
        int take = (v > best) | ((v != v) & (best == best));
        best = take ? v : best;
        at = take ? tap[t] : at;
    }
    return at;
}

/// The index in `plane` of output (oy, ox)'s first maximum (or first NaN).
INLINE Int pool_max_at(const netc_convolution *g, const float *plane, Int oy, Int ox, const Int *tap, Int taps) {
    if (!taps) return pool_argmax(g, plane, oy, ox);
    Int first = oy * g->stride_y * g->width + ox * g->stride_x;
    return first + pool_first_max(plane + first, tap, taps);
}

static void max_pool_forward(const netc_convolution *g, const float *x, float *y, Int count) {
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    Int in_plane = g->height * g->width, out_plane = g->output_height * g->output_width, planes = count * g->channels;
    Int tap[POOL_TAPS], taps = pool_taps(g, tap);
    int pairs = pool_pairs(g);
    for (Int c = 0; c < planes; c++) {
        const float *xp = x + c * in_plane;
        float *yp = y + c * out_plane;
        if (!pairs) {
            for (Int oy = 0; oy < g->output_height; oy++)
                for (Int ox = 0; ox < g->output_width; ox++) yp[oy * g->output_width + ox] = xp[pool_max_at(g, xp, oy, ox, tap, taps)];
            continue;
        }
        for (Int oy = 0; oy < g->output_height; oy++) {
            const float *r0 = xp + 2 * oy * g->width, *r1 = r0 + g->width;
            float *yr = yp + oy * g->output_width;
            if (g->output_width < 8) {
                for (Int s = 0; s < g->output_width; s += 4) {
                    Int ox = min_int(s, g->output_width - 4);
                    v8 a = ld(r0 + 2 * ox), e = ld(r1 + 2 * ox);
                    v4 window[4] = {evens4(a), odds4(a), evens4(e), odds4(e)};
                    NETC_POOL_MAX(v4, i4v, window, best)
                    st4(best, yr + ox);
                }
                continue;
            }
            for (Int s = 0; s < g->output_width; s += 8) {
                Int ox = min_int(s, g->output_width - 8);
                v8 a = ld(r0 + 2 * ox), b = ld(r0 + 2 * ox + 8), e = ld(r1 + 2 * ox), f = ld(r1 + 2 * ox + 8);
                v8 window[4] = {evens(a, b), odds(a, b), evens(e, f), odds(e, f)};
                NETC_POOL_MAX(v8, i8v, window, best)
                st(best, yr + ox);
            }
        }
    }
}

static void max_pool_backward(const netc_convolution *g, const float *x, const float *y, const float *dy, float *dx,
                              int accumulate, int rectify, Int count) {
    Int tap[POOL_TAPS], taps = pool_taps(g, tap);
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    Int in_plane = g->height * g->width, out_plane = g->output_height * g->output_width, planes = count * g->channels;
    // Windows that tile the input exactly write each δx once: stored, not
    // added into zeros (which read and wrote mnist-cnn's c1 gradient twice).
    int pairs = pool_pairs(g), store = pairs && !accumulate && g->width == 2 * g->output_width && g->height == 2 * g->output_height;
    if (!accumulate && !store) for (Int i = 0; i < planes * in_plane; i++) dx[i] = 0;
    const i8v lane = {0, 1, 2, 3, 4, 5, 6, 7};
    const i4v lane4 = {0, 1, 2, 3};
    for (Int c = 0; c < planes; c++) {
        const float *xp = x + c * in_plane, *yp = y + c * out_plane, *dyp = dy + c * out_plane;
        float *dxp = dx + c * in_plane;
        if (!pairs) {
            for (Int oy = 0; oy < g->output_height; oy++)
                for (Int ox = 0; ox < g->output_width; ox++) {
                    Int o = oy * g->output_width + ox, at = pool_max_at(g, xp, oy, ox, tap, taps);
                    dxp[at] += rectify ? dyp[o] * (xp[at] > 0 ? 1.0f : 0.0f) : dyp[o];
                }
            continue;
        }
        for (Int oy = 0; oy < g->output_height; oy++) {
            const float *r0 = xp + 2 * oy * g->width, *r1 = r0 + g->width;
            const float *yr = yp + oy * g->output_width, *dyr = dyp + oy * g->output_width;
            float *d0 = dxp + 2 * oy * g->width, *d1 = d0 + g->width;
            // An anchored last vector recomputes what it shares with the one
            // before when storing; when adding, those lanes add nothing.
            if (g->output_width < 8) {
                for (Int s = 0; s < g->output_width; s += 4) {
                    Int ox = min_int(s, g->output_width - 4);
                    v8 a = ld(r0 + 2 * ox), e = ld(r1 + 2 * ox);
                    v4 window[4] = {evens4(a), odds4(a), evens4(e), odds4(e)};
                    v4 out = ld4(yr + ox), grad = ld4(dyr + ox);
                    if (rectify) grad = grad * (v4)((i4v)(v4){1, 1, 1, 1} & (out > 0));
                    if (!store) grad = (v4)((i4v)grad & (lane4 >= (int32_t)(s - ox)));
                    NETC_POOL_SHARES(v4, i4v, window, out, grad, share)
                    v8 top = interleave4(share[0], share[1]), bottom = interleave4(share[2], share[3]);
                    if (store) { st(top, d0 + 2 * ox); st(bottom, d1 + 2 * ox); continue; }
                    st(ld(d0 + 2 * ox) + top, d0 + 2 * ox);
                    st(ld(d1 + 2 * ox) + bottom, d1 + 2 * ox);
                }
                continue;
            }
            for (Int s = 0; s < g->output_width; s += 8) {
                Int ox = min_int(s, g->output_width - 8);
                v8 a = ld(r0 + 2 * ox), b = ld(r0 + 2 * ox + 8), e = ld(r1 + 2 * ox), f = ld(r1 + 2 * ox + 8);
                v8 window[4] = {evens(a, b), odds(a, b), evens(e, f), odds(e, f)};
                v8 out = ld(yr + ox), grad = ld(dyr + ox);
                if (rectify) grad = grad * select(out > 0, splat(1), zero());
                if (!store) grad = masked(grad, lane >= (int32_t)(s - ox));
                NETC_POOL_SHARES(v8, i8v, window, out, grad, share)
                v8 t0 = low_half(share[0], share[1]), t1 = high_half(share[0], share[1]);
                v8 b0 = low_half(share[2], share[3]), b1 = high_half(share[2], share[3]);
                if (store) {
                    st(t0, d0 + 2 * ox); st(t1, d0 + 2 * ox + 8); st(b0, d1 + 2 * ox); st(b1, d1 + 2 * ox + 8);
                    continue;
                }
                st(ld(d0 + 2 * ox) + t0, d0 + 2 * ox);
                st(ld(d0 + 2 * ox + 8) + t1, d0 + 2 * ox + 8);
                st(ld(d1 + 2 * ox) + b0, d1 + 2 * ox);
                st(ld(d1 + 2 * ox + 8) + b1, d1 + 2 * ox + 8);
            }
        }
    }
}

/// Means counting padding as zeros (PyTorch's count_include_pad), one output at a time.
static void avg_pool_forward(const netc_convolution *g, const float *x, float *y, Int count) {
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    Int in_plane = g->height * g->width, out_plane = g->output_height * g->output_width, planes = count * g->channels;
    float scale = 1.0f / (float)(g->kernel_height * g->kernel_width);
    for (Int c = 0; c < planes; c++) {
        const float *xp = x + c * in_plane;
        for (Int oy = 0; oy < g->output_height; oy++)
            for (Int ox = 0; ox < g->output_width; ox++) {
                Int y0, y1, x0, x1;
                pool_window(g, oy, ox, &y0, &y1, &x0, &x1);
                float s = 0;
                for (Int iy = y0; iy < y1; iy += g->dilation)
                    for (Int ix = x0; ix < x1; ix += g->dilation) s += xp[iy * g->width + ix];
                y[c * out_plane + oy * g->output_width + ox] = s * scale;
            }
    }
}

static void avg_pool_backward(const netc_convolution *g, const float *dy, float *dx, int accumulate, Int count) {
    const netc_convolution local = *g;  // kept in registers: stores through v8u may alias *g
    g = &local;
    Int in_plane = g->height * g->width, out_plane = g->output_height * g->output_width, planes = count * g->channels;
    float scale = 1.0f / (float)(g->kernel_height * g->kernel_width);
    if (!accumulate) for (Int i = 0; i < planes * in_plane; i++) dx[i] = 0;
    for (Int c = 0; c < planes; c++) {
        float *dxp = dx + c * in_plane;
        for (Int oy = 0; oy < g->output_height; oy++)
            for (Int ox = 0; ox < g->output_width; ox++) {
                Int y0, y1, x0, x1;
                pool_window(g, oy, ox, &y0, &y1, &x0, &x1);
                float share = dy[c * out_plane + oy * g->output_width + ox] * scale;
                for (Int iy = y0; iy < y1; iy += g->dilation)
                    for (Int ix = x0; ix < x1; ix += g->dilation) dxp[iy * g->width + ix] += share;
            }
    }
}
