// The optimizer update and the reductions of a training step's checks, for
// one instruction set (included by the file that includes body.h, after it).
// Elementwise over the flat parameters; products and sums may be fused where
// the set allows, as in body.h.

typedef uint32_t u8vu __attribute__((vector_size(32), aligned(4), may_alias));  // u8v (body.h), unaligned

/// Lane by lane, the larger of two vectors of magnitudes' bit patterns.
INLINE u8v larger_bits(u8v a, u8v b) {
    u8v a_larger = (u8v)(a > b);
    return (a & a_larger) | (b & ~a_larger);
}

/// The magnitudes' bit patterns of 8 floats from `x`.
INLINE u8v magnitude_bits(const float *x) {
    const u8v mask = {0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu};
    return *(const u8vu *)x & mask;
}

/// The largest |x[i]|, or NaN/∞ if any value is: the bit patterns of the
/// magnitudes compared as integers (NaN and ∞ lie above every finite one).
static float max_magnitude(const float *x, Int n) {
    u8v top = {0, 0, 0, 0, 0, 0, 0, 0}, top1 = top, top2 = top, top3 = top;
    // From the end: a backward pass writes the first parameters' gradients
    // last, and reading them last gives those stores time to drain. Four
    // running maxima, so that the loads, not one chain of maxima, set the pace.
    Int i = n;
    for (; i >= 32; i -= 32) {
        top = larger_bits(top, magnitude_bits(x + i - 8));
        top1 = larger_bits(top1, magnitude_bits(x + i - 16));
        top2 = larger_bits(top2, magnitude_bits(x + i - 24));
        top3 = larger_bits(top3, magnitude_bits(x + i - 32));
    }
    for (; i >= 8; i -= 8) top = larger_bits(top, magnitude_bits(x + i - 8));
    top = larger_bits(larger_bits(top, top1), larger_bits(top2, top3));
    uint32_t best = 0;
    for (int k = 0; k < 8; k++) best = top[k] > best ? top[k] : best;
    for (i = i - 1; i >= 0; i--) {
        uint32_t bits;
        __builtin_memcpy(&bits, x + i, 4);
        bits &= 0x7fffffffu;
        best = bits > best ? bits : best;
    }
    float result;
    __builtin_memcpy(&result, &best, 4);
    return result;
}

/// The update of `n` parameters, vectors first and then a scalar tail, for
/// one optimizer: the constants are read into locals first (stores through p
/// could alias *u otherwise, and every field would be reloaded per vector).
#define NETC_UPDATE_LOOP(STATE_LOAD, BODY, STATE_STORE)                                   \
    Int i = 0;                                                                             \
    for (; i + 8 <= n; i += 8) {                                                           \
        v8 p = ld(pp + i), g = gscale * ld(gp + i) + decay * p;                            \
        STATE_LOAD(v8, ld, i)                                                              \
        BODY(v8, sqrt8)                                                                    \
        st(p, pp + i);                                                                     \
        STATE_STORE(st, i)                                                                 \
    }                                                                                      \
    for (; i < n; i++) {                                                                   \
        float p = pp[i], g = gscale * gp[i] + decay * p;                                   \
        STATE_LOAD(float, ld1, i)                                                          \
        BODY(float, sqrt1)                                                                 \
        pp[i] = p;                                                                         \
        STATE_STORE(st1, i)                                                                \
    }

INLINE v8 sqrt8(v8 x) { return __builtin_elementwise_sqrt(x); }
INLINE float sqrt1(float x) { return __builtin_elementwise_sqrt(x); }
INLINE float ld1(const float *p) { return *p; }
INLINE void st1(float v, float *p) { *p = v; }

#define NO_STATE_LOAD(T, LOAD, i)
#define NO_STATE_STORE(STORE, i)
#define ONE_STATE_LOAD(T, LOAD, i) T s1 = LOAD(s1p + i);
#define ONE_STATE_STORE(STORE, i) STORE(s1, s1p + i);
#define TWO_STATE_LOAD(T, LOAD, i) T s1 = LOAD(s1p + i), s2 = LOAD(s2p + i);
#define TWO_STATE_STORE(STORE, i) STORE(s1, s1p + i); STORE(s2, s2p + i);

#define SGD_BODY(T, SQRT) p = p - lr * g;
#define MOMENTUM_BODY(T, SQRT) s1 = momentum * s1 + g; p = p - lr * s1;
#define NESTEROV_BODY(T, SQRT) s1 = momentum * s1 + g; p = p - lr * (g + momentum * s1);
#define ADAM_BODY(T, SQRT)                                                                 \
    s1 = beta1 * s1 + one_minus_beta1 * g;                                                 \
    s2 = beta2 * s2 + one_minus_beta2 * g * g;                                             \
    p = shrink * p - lr * (s1 / correction1) / (SQRT(s2 / correction2) + epsilon);

#define RMSPROP_BODY(T, SQRT)                                                              \
    s1 = beta2 * s1 + one_minus_beta2 * g * g;                                             \
    p = p - lr * (g / (SQRT(s1) + epsilon));
#define RMSPROP_MOMENTUM_BODY(T, SQRT)                                                     \
    s1 = beta2 * s1 + one_minus_beta2 * g * g;                                             \
    s2 = momentum * s2 + g / (SQRT(s1) + epsilon);                                         \
    p = p - lr * s2;

#define UPDATE_CONSTANTS                                                                   \
    const float gscale = u->gradient_scale, decay = u->decay, lr = u->learning_rate;       \
    const float momentum = u->momentum, beta1 = u->beta1, beta2 = u->beta2;                \
    const float one_minus_beta1 = u->one_minus_beta1, one_minus_beta2 = u->one_minus_beta2; \
    const float correction1 = u->correction1, correction2 = u->correction2, epsilon = u->epsilon; \
    const float shrink = u->shrink;                                                        \
    (void)momentum; (void)beta1; (void)beta2; (void)one_minus_beta1; (void)one_minus_beta2; \
    (void)correction1; (void)correction2; (void)epsilon; (void)shrink;

/// Applies the update to n parameters (s1, s2: the state the optimizer keeps; NULL where it keeps none).
static void update_apply(const netc_update *u, float *pp, const float *gp, float *s1p, float *s2p, Int n) {
    UPDATE_CONSTANTS
    if (u->kind == NETC_UPDATE_ADAM) {
        NETC_UPDATE_LOOP(TWO_STATE_LOAD, ADAM_BODY, TWO_STATE_STORE)
    } else if (u->kind == NETC_UPDATE_RMSPROP && u->momentum == 0) {
        NETC_UPDATE_LOOP(ONE_STATE_LOAD, RMSPROP_BODY, ONE_STATE_STORE)
    } else if (u->kind == NETC_UPDATE_RMSPROP) {
        NETC_UPDATE_LOOP(TWO_STATE_LOAD, RMSPROP_MOMENTUM_BODY, TWO_STATE_STORE)
    } else if (u->momentum == 0) {
        NETC_UPDATE_LOOP(NO_STATE_LOAD, SGD_BODY, NO_STATE_STORE)
    } else if (u->nesterov) {
        NETC_UPDATE_LOOP(ONE_STATE_LOAD, NESTEROV_BODY, ONE_STATE_STORE)
    } else {
        NETC_UPDATE_LOOP(ONE_STATE_LOAD, MOMENTUM_BODY, ONE_STATE_STORE)
    }
}

/// Whether update_apply would leave every value it writes finite; writes
/// nothing (the same arithmetic, one scalar at a time: it runs only when the
/// step's bounds cannot prove the update finite).
static int update_is_finite(const netc_update *u, const float *pp, const float *gp, const float *s1p, const float *s2p, Int n) {
    UPDATE_CONSTANTS
    for (Int i = 0; i < n; i++) {
        float p = pp[i], g = gscale * gp[i] + decay * p, s1 = 0, s2 = 0;
        if (u->kind == NETC_UPDATE_ADAM) {
            s1 = s1p[i]; s2 = s2p[i];
            ADAM_BODY(float, sqrt1)
        } else if (u->kind == NETC_UPDATE_RMSPROP && momentum == 0) {
            s1 = s1p[i];
            RMSPROP_BODY(float, sqrt1)
        } else if (u->kind == NETC_UPDATE_RMSPROP) {
            s1 = s1p[i]; s2 = s2p[i];
            RMSPROP_MOMENTUM_BODY(float, sqrt1)
        } else if (momentum == 0) {
            SGD_BODY(float, sqrt1)
        } else if (u->nesterov) {
            s1 = s1p[i];
            NESTEROV_BODY(float, sqrt1)
        } else {
            s1 = s1p[i];
            MOMENTUM_BODY(float, sqrt1)
        }
        if (!(__builtin_isfinite(p) && __builtin_isfinite(s1) && __builtin_isfinite(s2))) return 0;
    }
    return 1;
}

/// Σ x[i]² in Double (for gradient-norm clipping), eight partial sums.
static double sum_of_squares(const float *x, Int n) {
    double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    Int i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; k++) partial[k] += (double)x[i + k] * (double)x[i + k];
    }
    double s = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
    for (; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}

/// The machine's multiply-add throughput with this set's instructions: `steps`
/// rounds of 10 independent 8-lane a += a·x (more accumulators than FMA
/// latency × throughput, no loads); returns a value derived from every
/// accumulator, to pass back in as `sink`. 160 FLOPs per step.
static float peak_loop(ptrdiff_t steps, float sink) {
    v8 a0 = splat(1 + sink), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
    v8 x = splat(1e-7f + sink);
    for (ptrdiff_t i = 0; i < steps; i++) {
        a0 = a0 + a0 * x; a1 = a1 + a1 * x; a2 = a2 + a2 * x; a3 = a3 + a3 * x; a4 = a4 + a4 * x;
        a5 = a5 + a5 * x; a6 = a6 + a6 * x; a7 = a7 + a7 * x; a8 = a8 + a8 * x; a9 = a9 + a9 * x;
    }
    return sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + (a8 + a9)) * 1e-30f;
}
