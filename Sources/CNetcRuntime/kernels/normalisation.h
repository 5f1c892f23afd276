// MARK: - Batch normalisation over planes (included by body.h, once per kernel set)
//
// BatchNormOp's three passes (Sources/NetcCore/Ops/BatchNorm.swift) for
// activations [count][channels][plane]: each channel's mean and biased
// variance over the batch, then the normalisation, its gradient, or the
// running statistics' update. The sums run in 8 lanes × 2 accumulators: as a
// scalar chain, each addition waited for the one before (a mnist-cnn with
// batch norm after both convolutions took 2.5× the step without). Compiler
// builtins, not <math.h>: the kernels build without the C library's headers.

/// Σ over channel c's values of the batch: lanes of x (and of f(x) below).
INLINE float bn_sum(const float *x, Int count, Int channels, Int plane, Int c) {
    v8 a = zero(), b = zero();
    float s = 0;
    for (Int k = 0; k < count; k++) {
        const float *p = x + (k * channels + c) * plane;
        Int i = 0;
        for (; i + 16 <= plane; i += 16) { a = a + ld(p + i); b = b + ld(p + i + 8); }
        for (; i + 8 <= plane; i += 8) a = a + ld(p + i);
        for (; i < plane; i++) s += p[i];
    }
    return sum(a + b) + s;
}

/// Channel c's mean and biased variance over the batch (two passes, as the op).
INLINE void bn_statistics(const float *x, Int count, Int channels, Int plane, Int c, float *mean, float *variance) {
    float values = (float)(count * plane), m = bn_sum(x, count, channels, plane, c) / values;
    v8 a = zero(), b = zero(), mv = splat(m);
    float s = 0;
    for (Int k = 0; k < count; k++) {
        const float *p = x + (k * channels + c) * plane;
        Int i = 0;
        for (; i + 16 <= plane; i += 16) {
            v8 d = ld(p + i) - mv, e = ld(p + i + 8) - mv;
            a = a + d * d; b = b + e * e;
        }
        for (; i + 8 <= plane; i += 8) { v8 d = ld(p + i) - mv; a = a + d * d; }
        for (; i < plane; i++) { float d = p[i] - m; s += d * d; }
    }
    *mean = m;
    *variance = (sum(a + b) + s) / values;
}

/// y = γ·(x − mean)/√(variance + ε) + β with the batch's statistics (γ, β NULL: 1 and 0).
// Each pass takes channels c0 ..< c1 (one thread's part; every channel's
// arithmetic is its own, so the results do not depend on the split). The
// forward pass keeps each channel's mean and variance in `statistics`
// (2 per channel); the backward pass and the update read them there.

static void batch_norm_forward(const float *x, float *y, const float *gamma, const float *beta, float *statistics, Int count,
                               Int channels, Int plane, float epsilon, Int c0, Int c1) {
    for (Int c = c0; c < c1; c++) {
        float mean, variance;
        bn_statistics(x, count, channels, plane, c, &mean, &variance);
        statistics[2 * c] = mean;
        statistics[2 * c + 1] = variance;
        float scale = (gamma ? gamma[c] : 1) / __builtin_sqrtf(variance + epsilon), shift = (beta ? beta[c] : 0) - mean * scale;
        v8 sv = splat(scale), hv = splat(shift);
        for (Int k = 0; k < count; k++) {
            const float *p = x + (k * channels + c) * plane;
            float *q = y + (k * channels + c) * plane;
            Int i = 0;
            for (; i + 8 <= plane; i += 8) st(ld(p + i) * sv + hv, q + i);
            for (; i < plane; i++) q[i] = p[i] * scale + shift;
        }
    }
}

/// dγ += Σ δ·x̂, dβ += Σ δ (when given), and dx (= or +=) γ/σ·(δ − mean δ − x̂·mean(δ·x̂)).
static void batch_norm_backward(const float *x, const float *dy, float *dx, const float *gamma, float *dgamma, float *dbeta,
                                const float *statistics, int accumulate, Int count, Int channels, Int plane, float epsilon,
                                Int c0, Int c1) {
    for (Int c = c0; c < c1; c++) {
        float mean = statistics[2 * c], variance = statistics[2 * c + 1];
        float values = (float)(count * plane), inverse = 1 / __builtin_sqrtf(variance + epsilon);
        v8 g0 = zero(), g1 = zero(), h0 = zero(), h1 = zero(), mv = splat(mean), iv = splat(inverse);
        float gs = 0, hs = 0;
        for (Int k = 0; k < count; k++) {
            const float *p = x + (k * channels + c) * plane, *d = dy + (k * channels + c) * plane;
            Int i = 0;
            for (; i + 16 <= plane; i += 16) {
                v8 e = ld(d + i), f = ld(d + i + 8);
                g0 = g0 + e; g1 = g1 + f;
                h0 = h0 + e * (ld(p + i) - mv) * iv; h1 = h1 + f * (ld(p + i + 8) - mv) * iv;
            }
            for (; i + 8 <= plane; i += 8) { v8 e = ld(d + i); g0 = g0 + e; h0 = h0 + e * (ld(p + i) - mv) * iv; }
            for (; i < plane; i++) { gs += d[i]; hs += d[i] * (p[i] - mean) * inverse; }
        }
        float total = sum(g0 + g1) + gs, totalX = sum(h0 + h1) + hs;
        if (dgamma) dgamma[c] += totalX;
        if (dbeta) dbeta[c] += total;
        if (!dx) continue;
        float scale = (gamma ? gamma[c] : 1) * inverse, meanG = total / values, meanGX = totalX / values;
        v8 sv = splat(scale), gv = splat(meanG), xv = splat(meanGX);
        for (Int k = 0; k < count; k++) {
            const float *p = x + (k * channels + c) * plane, *d = dy + (k * channels + c) * plane;
            float *q = dx + (k * channels + c) * plane;
            Int i = 0;
            for (; i + 8 <= plane; i += 8) {
                v8 g = sv * (ld(d + i) - gv - (ld(p + i) - mv) * iv * xv);
                st(accumulate ? ld(q + i) + g : g, q + i);
            }
            for (; i < plane; i++) {
                float g = scale * (d[i] - meanG - (p[i] - mean) * inverse * meanGX);
                q[i] = accumulate ? q[i] + g : g;
            }
        }
    }
}

/// running = keep·running + take·batch (the variance unbiased), per channel
/// where both stay finite; returns the largest value written.
static float batch_norm_update(const float *statistics, float *running_mean, float *running_variance, Int count, Int plane,
                               float keep, float take, Int c0, Int c1) {
    float written = 0, values = (float)(count * plane), unbiased = values > 1 ? values / (values - 1) : 1;
    for (Int c = c0; c < c1; c++) {
        float mean = statistics[2 * c], variance = statistics[2 * c + 1];
        float m = keep * running_mean[c] + take * mean, v = keep * running_variance[c] + take * variance * unbiased;
        if (!(__builtin_isfinite(m) && __builtin_isfinite(v))) continue;
        running_mean[c] = m;
        running_variance[c] = v;
        float a = __builtin_fabsf(m);
        if (a > written) written = a;
        if (v > written) written = v;
    }
    return written;
}

// MARK: - Layer normalisation (LayerNormOp in Sources/NetcCore/Ops/LayerNorm.swift)
//
// Each of count samples of n values normalised by its own mean and biased
// variance: a batch normalisation of one sample and one channel, so the same
// vector sums. γ and β have the sample's shape (NULL: 1 and 0). The forward
// pass keeps each sample's mean and s = 1/√(σ² + ε) in `statistics` (2 per
// sample); the backward pass reads them there.

/// y = γ ⊙ (x − μ)·s + β per sample.
static void layer_norm_forward(const float *x, float *y, const float *gamma, const float *beta, float *statistics, Int n,
                               float epsilon, Int count) {
    for (Int b = 0; b < count; b++) {
        const float *p = x + b * n;
        float *q = y + b * n;
        float mean, variance;
        bn_statistics(p, 1, 1, n, 0, &mean, &variance);
        float inverse = 1 / __builtin_sqrtf(variance + epsilon);
        statistics[2 * b] = mean;
        statistics[2 * b + 1] = inverse;
        v8 mv = splat(mean), iv = splat(inverse);
        Int i = 0;
        if (gamma) {
            for (; i + 8 <= n; i += 8) st((ld(p + i) - mv) * iv * ld(gamma + i) + ld(beta + i), q + i);
            for (; i < n; i++) q[i] = (p[i] - mean) * inverse * gamma[i] + beta[i];
        } else {
            for (; i + 8 <= n; i += 8) st((ld(p + i) - mv) * iv, q + i);
            for (; i < n; i++) q[i] = (p[i] - mean) * inverse;
        }
    }
}

/// Per sample, with x̂ = (x − μ)·s and g = δ ⊙ γ: dγ += δ ⊙ x̂ and dβ += δ
/// (when given), and dx (= or +=, when given) (g − mean g − x̂·mean(g ⊙ x̂))·s.
static void layer_norm_backward(const float *x, const float *dy, float *dx, const float *gamma, float *dgamma, float *dbeta,
                                const float *statistics, int accumulate, Int n, Int count) {
    for (Int b = 0; b < count; b++) {
        const float *p = x + b * n, *d = dy + b * n;
        float mean = statistics[2 * b], inverse = statistics[2 * b + 1];
        v8 mv = splat(mean), iv = splat(inverse);
        if (dgamma) {
            Int i = 0;
            for (; i + 8 <= n; i += 8) {
                st(ld(dgamma + i) + ld(d + i) * ((ld(p + i) - mv) * iv), dgamma + i);
                st(ld(dbeta + i) + ld(d + i), dbeta + i);
            }
            for (; i < n; i++) { dgamma[i] += d[i] * ((p[i] - mean) * inverse); dbeta[i] += d[i]; }
        }
        if (!dx) continue;
        v8 g0 = zero(), h0 = zero();
        float gs = 0, hs = 0;
        Int i = 0;
        for (; i + 8 <= n; i += 8) {
            v8 g = gamma ? ld(d + i) * ld(gamma + i) : ld(d + i);
            g0 = g0 + g;
            h0 = h0 + g * ((ld(p + i) - mv) * iv);
        }
        for (; i < n; i++) {
            float g = gamma ? d[i] * gamma[i] : d[i];
            gs += g;
            hs += g * ((p[i] - mean) * inverse);
        }
        float meanG = (sum(g0) + gs) / (float)n, meanGX = (sum(h0) + hs) / (float)n;
        v8 gv = splat(meanG), hv = splat(meanGX);
        float *q = dx + b * n;
        for (i = 0; i + 8 <= n; i += 8) {
            v8 g = gamma ? ld(d + i) * ld(gamma + i) : ld(d + i);
            v8 v = (g - gv - (ld(p + i) - mv) * iv * hv) * iv;
            st(accumulate ? ld(q + i) + v : v, q + i);
        }
        for (; i < n; i++) {
            float g = gamma ? d[i] * gamma[i] : d[i];
            float v = (g - meanG - (p[i] - mean) * inverse * meanGX) * inverse;
            q[i] = accumulate ? q[i] + v : v;
        }
    }
}
