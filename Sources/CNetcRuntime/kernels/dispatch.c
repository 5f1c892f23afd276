// Picks a kernel set once, when the library loads, from what the CPU and the
// operating system support (cpuid, and xgetbv for the AVX register state);
// NETC_KERNELS=baseline in the environment forces the baseline set.
#include "table.h"
#include "convolution_layout.h"
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <cpuid.h>

static int has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;  // the OS saves XMM and YMM state
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0;  // AVX2
}
#endif

static const netc_kernel_table *netc_table = &netc_kernels_baseline;
static int netc_path = NETC_KERNELS_BASELINE;

int netc_kernels_supported(int path) {
    if (path == NETC_KERNELS_BASELINE) return 1;
#if defined(__x86_64__)
    if (path == NETC_KERNELS_AVX2_FMA) return has_avx2_fma();
#endif
    return 0;
}

int netc_kernels_select(int path) {
    if (!netc_kernels_supported(path)) return netc_kernels_path();
#if defined(__x86_64__)
    const netc_kernel_table *table = path == NETC_KERNELS_AVX2_FMA ? &netc_kernels_avx2_fma : &netc_kernels_baseline;
#else
    const netc_kernel_table *table = &netc_kernels_baseline;
#endif
    __atomic_store_n(&netc_table, table, __ATOMIC_RELAXED);
    __atomic_store_n(&netc_path, path, __ATOMIC_RELAXED);
    return path;
}

int netc_kernels_path(void) { return __atomic_load_n(&netc_path, __ATOMIC_RELAXED); }

__attribute__((constructor)) static void netc_kernels_choose(void) {
    const char *forced = getenv("NETC_KERNELS");
    if (forced && strcmp(forced, "baseline") == 0) return;
    netc_kernels_select(NETC_KERNELS_AVX2_FMA);
}

#define TABLE __atomic_load_n(&netc_table, __ATOMIC_RELAXED)

// MARK: - Products on several threads
//
// A product splits where the kernel's own blocks meet, so each part does
// exactly the arithmetic the single-threaded kernel does for its outputs,
// and results are the same for any number of threads. Where the weights are
// the larger operand, a product splits by output features — rows of W, dW
// and y — so each thread keeps reading and writing its own part of the
// weights, their gradient and (splitting the update the same way) their
// optimizer state, step after step, instead of moving them between cores'
// caches (split by samples, a mnist b32 step was 1.27× faster on 2 threads
// than on 1; by features, 1.66×). Otherwise (a convolution's window matrix,
// many samples, few weights) it splits by samples.

/// The smallest part worth a thread, in multiply-adds: a hand-over to a
/// spinning worker costs 0.2–0.8 µs (a C test of empty jobs); a part this
/// size takes 10–20.
/// Measured on 2 threads (medians of 5 interleaved runs, mnist b32 / b128):
/// 2¹⁵ 92 / 335 µs, 2¹⁶ 113 / 320, 2¹⁷ 91.5 / 323, 2¹⁸ 96 / 327 — at 2¹⁸
/// b32's second layer (128 → 64, 2¹⁸ multiply-adds) stays on one thread.
enum { PART_WORK = 1 << 17 };

ptrdiff_t netc_parallel_part_work(void) { return PART_WORK; }

ptrdiff_t netc_parallel_parts(double work) {
    // The work first: the budget is thread-local, and reading it goes
    // through __tls_get_addr in position-independent code (2 % of iris b1's
    // step, three small products, when it was read first).
    if (work < 2.0 * PART_WORK) return 1;
    int threads = netc_thread_budget();
    if (threads < 2) return 1;
    double parts = work / PART_WORK;
    return parts < threads ? (ptrdiff_t)parts : threads;
}

/// Part p of `total` items, in whole `block`s: [*start, *end).
static void part_range(ptrdiff_t total, ptrdiff_t block, ptrdiff_t p, ptrdiff_t parts, ptrdiff_t *start, ptrdiff_t *end) {
    ptrdiff_t blocks = (total + block - 1) / block, b0 = blocks * p / parts, b1 = blocks * (p + 1) / parts;
    *start = b0 * block < total ? b0 * block : total;
    *end = p + 1 == parts || b1 * block > total ? total : b1 * block;
}

/// Whether a product over W [m][n] and `count` samples splits by output
/// features: W at least a quarter of the samples' inputs.
static int by_features(ptrdiff_t m, ptrdiff_t count) { return 4 * m >= count; }

typedef struct {
    const float *a, *b, *c;  // the operands, as each product names them below
    float *out, *out2, *scratch;
    ptrdiff_t n, m, count;
    int accumulate, features;
    const netc_update *update;
    float *s1, *s2;
    /// The input gradient's kernel (plain or panels), for `input_gradient_part`.
    void (*input_gradient)(const float *, const float *, float *, int, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    int finite[64];
} job;

static void linear_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const job *j = context;  // a: w, b: bias, c: x
    ptrdiff_t s, e;
    if (j->features) {
        ptrdiff_t whole = j->count & ~(ptrdiff_t)3;
        part_range(j->m, 3, p, parts, &s, &e);
        if (e > s) TABLE->linear_rows(j->a, j->b, j->c, j->out, j->n, j->m, whole, s, e);
        if (p == 0 && whole < j->count) TABLE->linear(j->a, j->b, j->c + whole * j->n, j->out + whole * j->m, j->n, j->m, j->count - whole);
        return;
    }
    part_range(j->count, 4, p, parts, &s, &e);
    if (e > s) TABLE->linear(j->a, j->b, j->c + s * j->n, j->out + s * j->m, j->n, j->m, e - s);
}

void netc_linear(const float *w, const float *bias, const float *x, float *y, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    int features = by_features(m, count) && m >= 6;
    ptrdiff_t parts = netc_parallel_parts((double)n * m * count);
    if (parts == 1) { TABLE->linear(w, bias, x, y, n, m, count); return; }
    job j = {.a = w, .b = bias, .c = x, .out = y, .n = n, .m = m, .count = count, .features = features};
    netc_parallel_run(parts, linear_part, &j);
}

static void linear_transposed_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const job *j = context;  // a: w, b: bias, c: x, scratch: Wᵀ
    ptrdiff_t s, e;
    part_range(j->count, 6, p, parts, &s, &e);
    if (e > s) TABLE->linear_transposed_rows(j->a, j->scratch, j->b, j->c + s * j->n, j->out + s * j->m, j->n, j->m, e - s);
}

void netc_linear_transposed(const float *w, const float *bias, const float *x, float *y,
                            ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch) {
    ptrdiff_t parts = count >= 6 ? netc_parallel_parts((double)n * m * count) : 1;
    if (parts == 1) { TABLE->linear_transposed(w, bias, x, y, n, m, count, scratch); return; }
    TABLE->transpose_weights(w, scratch, n, m);
    job j = {.a = w, .b = bias, .c = x, .out = y, .scratch = scratch, .n = n, .m = m, .count = count};
    netc_parallel_run(parts, linear_transposed_part, &j);
}

static void weight_gradient_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const job *j = context;  // a: dy, c: x, out: dW, out2: db
    ptrdiff_t s, e;
    part_range(j->m, 4, p, parts, &s, &e);
    if (e > s) TABLE->weight_gradient_rows(j->a, j->c, j->out, j->out2, j->n, j->m, j->count, j->scratch, s, e);
}

void netc_weight_gradient(const float *dy, const float *x, float *dw, float *db,
                          ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch) {
    ptrdiff_t parts = netc_parallel_parts((double)n * m * count);
    if (parts == 1) { TABLE->weight_gradient(dy, x, dw, db, n, m, count, scratch); return; }
    job j = {.a = dy, .c = x, .out = dw, .out2 = db, .scratch = scratch, .n = n, .m = m, .count = count};
    netc_parallel_run(parts, weight_gradient_part, &j);
}

/// Either input gradient, by samples: each sample's dx reads all of W.
static void input_gradient_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const job *j = context;  // a: dy, b: w or wp
    ptrdiff_t s, e;
    part_range(j->count, 4, p, parts, &s, &e);
    if (e > s) j->input_gradient(j->a + s * j->m, j->b, j->out + s * j->n, j->accumulate, j->n, j->m, e - s);
}

void netc_input_gradient(const float *dy, const float *w, float *dx, int accumulate, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    ptrdiff_t parts = netc_parallel_parts((double)n * m * count);
    if (parts == 1) { TABLE->input_gradient(dy, w, dx, accumulate, n, m, count); return; }
    job j = {.a = dy, .b = w, .out = dx, .accumulate = accumulate, .n = n, .m = m, .count = count,
             .input_gradient = TABLE->input_gradient};
    netc_parallel_run(parts, input_gradient_part, &j);
}

/// Panels split by features in fours (64 outputs: `panel_row` takes panels four at a time).
enum { PANEL_GROUP = 64 };

static void panel_linear_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const job *j = context;  // a: wp, b: bias, c: x
    ptrdiff_t s, e;
    if (j->features) {
        part_range(j->m, PANEL_GROUP, p, parts, &s, &e);
        if (e > s) TABLE->panel_linear_outputs(j->a, j->b, j->c, j->out, j->n, j->m, j->count, s, e);
        return;
    }
    part_range(j->count, 6, p, parts, &s, &e);
    if (e > s) TABLE->panel_linear(j->a, j->b, j->c + s * j->n, j->out + s * j->m, j->n, j->m, e - s);
}

void netc_panel_linear(const float *wp, const float *bias, const float *x, float *y, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    int features = by_features(m, count) && m >= 2 * PANEL_GROUP;
    ptrdiff_t parts = netc_parallel_parts((double)n * m * count);
    if (parts == 1) { TABLE->panel_linear(wp, bias, x, y, n, m, count); return; }
    job j = {.a = wp, .b = bias, .c = x, .out = y, .n = n, .m = m, .count = count, .features = features};
    netc_parallel_run(parts, panel_linear_part, &j);
}

static void panel_weight_gradient_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const job *j = context;  // a: dy, c: x, out: dWp, out2: db
    ptrdiff_t s, e;
    part_range(j->m, j->m >= 2 * PANEL_GROUP ? PANEL_GROUP : 16, p, parts, &s, &e);
    if (e > s) TABLE->panel_weight_gradient_outputs(j->a, j->c, j->out, j->out2, j->n, j->m, j->count, j->scratch, s, e);
}

void netc_panel_weight_gradient(const float *dy, const float *x, float *dwp, float *db,
                                ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch) {
    ptrdiff_t parts = netc_parallel_parts((double)n * m * count);
    if (parts == 1) { TABLE->panel_weight_gradient(dy, x, dwp, db, n, m, count, scratch); return; }
    job j = {.a = dy, .c = x, .out = dwp, .out2 = db, .scratch = scratch, .n = n, .m = m, .count = count};
    netc_parallel_run(parts, panel_weight_gradient_part, &j);
}

void netc_panel_input_gradient(const float *dy, const float *wp, float *dx, int accumulate,
                               ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    ptrdiff_t parts = netc_parallel_parts((double)n * m * count);
    if (parts == 1) { TABLE->panel_input_gradient(dy, wp, dx, accumulate, n, m, count); return; }
    job j = {.a = dy, .b = wp, .out = dx, .accumulate = accumulate, .n = n, .m = m, .count = count,
             .input_gradient = TABLE->panel_input_gradient};
    netc_parallel_run(parts, input_gradient_part, &j);
}

/// The optimizer's update splits into runs of whole 64-value blocks; one
/// value's update is a dozen operations, counted as 8 multiply-adds.
static ptrdiff_t update_parts(ptrdiff_t n) { return n >= 4096 ? netc_parallel_parts(8.0 * n) : 1; }

static void update_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    job *j = context;  // out: parameters, a: gradients
    ptrdiff_t s, e;
    part_range(j->count, 64, p, parts, &s, &e);
    if (e <= s) { j->finite[p] = 1; return; }
    float *s1 = j->s1 ? j->s1 + s : 0, *s2 = j->s2 ? j->s2 + s : 0;
    if (j->accumulate) TABLE->update_apply(j->update, j->out + s, j->a + s, s1, s2, e - s);
    else j->finite[p] = TABLE->update_is_finite(j->update, j->out + s, j->a + s, s1, s2, e - s);
}

void netc_exp_shifted(const float *x, float shift, float *y, ptrdiff_t n) { TABLE->exp_shifted(x, shift, y, n); }
void netc_activation(int kind, float parameter, const float *x, float *y, ptrdiff_t n) {
    TABLE->activation(kind, parameter, x, y, n);
}
void netc_activation_gradient(int kind, const float *x, const float *dy, float *dx, int accumulate, ptrdiff_t n) {
    TABLE->activation_gradient(kind, x, dy, dx, accumulate, n);
}
void netc_update_apply(const netc_update *u, float *p, const float *g, float *s1, float *s2, ptrdiff_t n) {
    ptrdiff_t parts = update_parts(n);
    if (parts == 1) { TABLE->update_apply(u, p, g, s1, s2, n); return; }
    job j = {.a = g, .out = p, .update = u, .s1 = s1, .s2 = s2, .count = n, .accumulate = 1};
    netc_parallel_run(parts, update_part, &j);
}
int netc_update_is_finite(const netc_update *u, const float *p, const float *g, const float *s1, const float *s2, ptrdiff_t n) {
    ptrdiff_t parts = update_parts(n);
    if (parts == 1) return TABLE->update_is_finite(u, p, g, s1, s2, n);
    job j = {.a = g, .out = (float *)p, .update = u, .s1 = (float *)s1, .s2 = (float *)s2, .count = n, .accumulate = 0};
    for (ptrdiff_t k = 0; k < parts; k++) j.finite[k] = 1;  // parts that do not run (fewer workers) hold no objection
    netc_parallel_run(parts, update_part, &j);
    int finite = 1;
    for (ptrdiff_t k = 0; k < parts; k++) finite = finite && j.finite[k];
    return finite;
}
float netc_max_magnitude(const float *x, ptrdiff_t n) { return TABLE->max_magnitude(x, n); }
double netc_sum_of_squares(const float *x, ptrdiff_t n) { return TABLE->sum_of_squares(x, n); }
int netc_convolution_supported(const netc_convolution *g) {
    netc_convolution_layout l = netc_convolution_lay_out(g, 1);
    return l.direct || l.positions >= 8;
}
ptrdiff_t netc_convolution_scratch(const netc_convolution *g, ptrdiff_t count) { return netc_convolution_scratch_size(g, count); }

// Convolutions on several threads: the forward pass and the input gradient
// by samples, the weight gradient by output channels (each part every
// sample, so every sum keeps its order). A part on a worker uses that
// worker's scratch (netc_part_scratch); a part whose scratch could not be
// allocated is left to the caller, which runs it afterwards with its own.
typedef struct {
    const netc_convolution *g;
    const float *a, *b, *c;  // as each kernel names them below
    float *out, *out2, *scratch;
    ptrdiff_t count;
    int flag;  // rectify, or accumulate
    int redo[64];
} convolution_job;

/// Parts for `work` multiply-adds (or scalars touched), at most `most` and
/// the 64 a job records.
static ptrdiff_t layer_parts(double work, ptrdiff_t most) {
    ptrdiff_t parts = netc_parallel_parts(work);
    if (parts > most) parts = most;
    return parts > 64 ? 64 : parts;
}

static ptrdiff_t convolution_parts(const netc_convolution *g, ptrdiff_t count, ptrdiff_t most) {
    return layer_parts((double)count * g->outputs * g->channels * g->kernel_height * g->kernel_width * g->output_height * g->output_width,
                       most);
}

static void convolution_run(convolution_job *j, ptrdiff_t parts, netc_part body) {
    for (ptrdiff_t p = 0; p < parts; p++) j->redo[p] = 0;
    netc_parallel_run(parts, body, j);
    float *caller = j->scratch;
    for (ptrdiff_t p = 0; p < parts; p++) {
        if (!j->redo[p]) continue;
        j->scratch = caller;
        j->redo[p] = 0;
        body(j, p, parts);  // on the caller's thread: its own scratch
    }
}

/// Part p's range [*s, *e) of `total` (samples or output channels) and its
/// scratch for `samples` samples (0: as many as the range); NULL when the
/// range is empty or the scratch could not be allocated (then marked to redo).
static float *convolution_part(convolution_job *j, ptrdiff_t p, ptrdiff_t parts, ptrdiff_t total, ptrdiff_t samples,
                               ptrdiff_t *s, ptrdiff_t *e) {
    part_range(total, 1, p, parts, s, e);
    if (*e <= *s) return 0;
    float *scratch = netc_part_scratch(j->scratch, netc_convolution_scratch_size(j->g, samples ? samples : *e - *s));
    if (!scratch) j->redo[p] = 1;
    return scratch;
}

static void convolution_forward_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    convolution_job *j = context;  // a: w, b: bias, c: x, out: y
    ptrdiff_t s, e, sample = j->g->channels * j->g->height * j->g->width;
    ptrdiff_t out = j->g->outputs * j->g->output_height * j->g->output_width;
    float *scratch = convolution_part(j, p, parts, j->count, 0, &s, &e);
    if (scratch) TABLE->convolution_forward(j->g, j->a, j->b, j->c + s * sample, j->out + s * out, j->flag, e - s, scratch);
}

void netc_convolution_forward(const netc_convolution *g, const float *w, const float *bias, const float *x, float *y,
                              int rectify, ptrdiff_t count, float *scratch) {
    ptrdiff_t parts = convolution_parts(g, count, count);
    if (parts == 1) { TABLE->convolution_forward(g, w, bias, x, y, rectify, count, scratch); return; }
    convolution_job j = {.g = g, .a = w, .b = bias, .c = x, .out = y, .scratch = scratch, .count = count, .flag = rectify};
    convolution_run(&j, parts, convolution_forward_part);
}

static void convolution_weight_gradient_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    convolution_job *j = context;  // a: dy, c: x, out: dw, out2: db
    ptrdiff_t s, e;
    float *scratch = convolution_part(j, p, parts, j->g->outputs, j->count, &s, &e);
    if (scratch) TABLE->convolution_weight_gradient_outputs(j->g, j->a, j->c, j->out, j->out2, j->count, scratch, s, e);
}

void netc_convolution_weight_gradient(const netc_convolution *g, const float *dy, const float *x, float *dw, float *db,
                                      ptrdiff_t count, float *scratch) {
    ptrdiff_t parts = convolution_parts(g, count, g->outputs);
    if (parts == 1) { TABLE->convolution_weight_gradient(g, dy, x, dw, db, count, scratch); return; }
    convolution_job j = {.g = g, .a = dy, .c = x, .out = dw, .out2 = db, .scratch = scratch, .count = count};
    convolution_run(&j, parts, convolution_weight_gradient_part);
}

static void convolution_input_gradient_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    convolution_job *j = context;  // a: dy, b: w, out: dx
    ptrdiff_t s, e, sample = j->g->channels * j->g->height * j->g->width;
    ptrdiff_t out = j->g->outputs * j->g->output_height * j->g->output_width;
    float *scratch = convolution_part(j, p, parts, j->count, 0, &s, &e);
    if (scratch) TABLE->convolution_input_gradient(j->g, j->a + s * out, j->b, j->out + s * sample, j->flag, e - s, scratch);
}

void netc_convolution_input_gradient(const netc_convolution *g, const float *dy, const float *w, float *dx, int accumulate,
                                     ptrdiff_t count, float *scratch) {
    ptrdiff_t parts = convolution_parts(g, count, count);
    if (parts == 1) { TABLE->convolution_input_gradient(g, dy, w, dx, accumulate, count, scratch); return; }
    convolution_job j = {.g = g, .a = dy, .b = w, .out = dx, .scratch = scratch, .count = count, .flag = accumulate};
    convolution_run(&j, parts, convolution_input_gradient_part);
}
// Pools on several threads by samples, batch normalisation by channels:
// every sample's (channel's) arithmetic is its own, so any split gives the
// same bits. Memory-bound both, they split at the same work threshold.
typedef struct {
    const netc_convolution *g;
    const float *a, *b, *c, *d;  // as each function names them below
    float *out, *out2, *out3, *out4;
    ptrdiff_t count, channels, plane;
    float epsilon;
    int accumulate, rectify;
} layer_job;

static double pool_work(const netc_convolution *g, ptrdiff_t count) {
    return (double)count * g->channels * g->output_height * g->output_width * g->kernel_height * g->kernel_width;
}

static void max_pool_forward_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const layer_job *j = context;  // a: x, out: y
    ptrdiff_t s, e, in = j->g->channels * j->g->height * j->g->width, out = j->g->channels * j->g->output_height * j->g->output_width;
    part_range(j->count, 1, p, parts, &s, &e);
    if (e > s) TABLE->max_pool_forward(j->g, j->a + s * in, j->out + s * out, e - s);
}
void netc_max_pool_forward(const netc_convolution *g, const float *x, float *y, ptrdiff_t count) {
    ptrdiff_t parts = layer_parts(pool_work(g, count), count);
    if (parts == 1) { TABLE->max_pool_forward(g, x, y, count); return; }
    layer_job j = {.g = g, .a = x, .out = y, .count = count};
    netc_parallel_run(parts, max_pool_forward_part, &j);
}

static void max_pool_backward_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const layer_job *j = context;  // a: x, b: y, c: dy, out: dx
    ptrdiff_t s, e, in = j->g->channels * j->g->height * j->g->width, out = j->g->channels * j->g->output_height * j->g->output_width;
    part_range(j->count, 1, p, parts, &s, &e);
    if (e > s) TABLE->max_pool_backward(j->g, j->a + s * in, j->b + s * out, j->c + s * out, j->out + s * in, j->accumulate, j->rectify, e - s);
}
void netc_max_pool_backward(const netc_convolution *g, const float *x, const float *y, const float *dy, float *dx,
                            int accumulate, int rectify, ptrdiff_t count) {
    ptrdiff_t parts = layer_parts(pool_work(g, count), count);
    if (parts == 1) { TABLE->max_pool_backward(g, x, y, dy, dx, accumulate, rectify, count); return; }
    layer_job j = {.g = g, .a = x, .b = y, .c = dy, .out = dx, .count = count, .accumulate = accumulate, .rectify = rectify};
    netc_parallel_run(parts, max_pool_backward_part, &j);
}

static void avg_pool_forward_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const layer_job *j = context;  // a: x, out: y
    ptrdiff_t s, e, in = j->g->channels * j->g->height * j->g->width, out = j->g->channels * j->g->output_height * j->g->output_width;
    part_range(j->count, 1, p, parts, &s, &e);
    if (e > s) TABLE->avg_pool_forward(j->g, j->a + s * in, j->out + s * out, e - s);
}
void netc_avg_pool_forward(const netc_convolution *g, const float *x, float *y, ptrdiff_t count) {
    ptrdiff_t parts = layer_parts(pool_work(g, count), count);
    if (parts == 1) { TABLE->avg_pool_forward(g, x, y, count); return; }
    layer_job j = {.g = g, .a = x, .out = y, .count = count};
    netc_parallel_run(parts, avg_pool_forward_part, &j);
}

static void avg_pool_backward_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const layer_job *j = context;  // c: dy, out: dx
    ptrdiff_t s, e, in = j->g->channels * j->g->height * j->g->width, out = j->g->channels * j->g->output_height * j->g->output_width;
    part_range(j->count, 1, p, parts, &s, &e);
    if (e > s) TABLE->avg_pool_backward(j->g, j->c + s * out, j->out + s * in, j->accumulate, e - s);
}
void netc_avg_pool_backward(const netc_convolution *g, const float *dy, float *dx, int accumulate, ptrdiff_t count) {
    ptrdiff_t parts = layer_parts(pool_work(g, count), count);
    if (parts == 1) { TABLE->avg_pool_backward(g, dy, dx, accumulate, count); return; }
    layer_job j = {.g = g, .c = dy, .out = dx, .count = count, .accumulate = accumulate};
    netc_parallel_run(parts, avg_pool_backward_part, &j);
}

static double batch_norm_work(ptrdiff_t count, ptrdiff_t channels, ptrdiff_t plane) { return 4.0 * count * channels * plane; }

static void batch_norm_forward_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const layer_job *j = context;  // a: x, b: γ, c: β, out: y, out4: statistics
    ptrdiff_t s, e;
    part_range(j->channels, 1, p, parts, &s, &e);
    if (e > s) TABLE->batch_norm_forward(j->a, j->out, j->b, j->c, j->out4, j->count, j->channels, j->plane, j->epsilon, s, e);
}
void netc_batch_norm_forward(const float *x, float *y, const float *gamma, const float *beta, float *statistics, ptrdiff_t count,
                             ptrdiff_t channels, ptrdiff_t plane, float epsilon) {
    ptrdiff_t parts = layer_parts(batch_norm_work(count, channels, plane), channels);
    if (parts == 1) { TABLE->batch_norm_forward(x, y, gamma, beta, statistics, count, channels, plane, epsilon, 0, channels); return; }
    layer_job j = {.a = x, .b = gamma, .c = beta, .out = y, .out4 = statistics, .count = count, .channels = channels, .plane = plane,
                   .epsilon = epsilon};
    netc_parallel_run(parts, batch_norm_forward_part, &j);
}

static void batch_norm_backward_part(void *context, ptrdiff_t p, ptrdiff_t parts) {
    const layer_job *j = context;  // a: x, b: dy, c: γ, d: statistics, out: dx, out2: dγ, out3: dβ
    ptrdiff_t s, e;
    part_range(j->channels, 1, p, parts, &s, &e);
    if (e > s) TABLE->batch_norm_backward(j->a, j->b, j->out, j->c, j->out2, j->out3, j->d, j->accumulate, j->count, j->channels,
                                          j->plane, j->epsilon, s, e);
}
void netc_batch_norm_backward(const float *x, const float *dy, float *dx, const float *gamma, float *dgamma, float *dbeta,
                              const float *statistics, int accumulate, ptrdiff_t count, ptrdiff_t channels, ptrdiff_t plane,
                              float epsilon) {
    ptrdiff_t parts = layer_parts(batch_norm_work(count, channels, plane), channels);
    if (parts == 1) {
        TABLE->batch_norm_backward(x, dy, dx, gamma, dgamma, dbeta, statistics, accumulate, count, channels, plane, epsilon, 0, channels);
        return;
    }
    layer_job j = {.a = x, .b = dy, .c = gamma, .d = statistics, .out = dx, .out2 = dgamma, .out3 = dbeta, .accumulate = accumulate,
                   .count = count, .channels = channels, .plane = plane, .epsilon = epsilon};
    netc_parallel_run(parts, batch_norm_backward_part, &j);
}

/// Per channel a handful of operations once the forward pass kept the batch's
/// statistics: one thread, whatever the batch.
float netc_batch_norm_update(const float *statistics, float *running_mean, float *running_variance, ptrdiff_t count,
                             ptrdiff_t channels, ptrdiff_t plane, float keep, float take) {
    return TABLE->batch_norm_update(statistics, running_mean, running_variance, count, plane, keep, take, 0, channels);
}

void netc_layer_norm_forward(const float *x, float *y, const float *gamma, const float *beta, float *statistics, ptrdiff_t n,
                             float epsilon, ptrdiff_t count) {
    TABLE->layer_norm_forward(x, y, gamma, beta, statistics, n, epsilon, count);
}
void netc_layer_norm_backward(const float *x, const float *dy, float *dx, const float *gamma, float *dgamma, float *dbeta,
                              const float *statistics, int accumulate, ptrdiff_t n, ptrdiff_t count) {
    TABLE->layer_norm_backward(x, dy, dx, gamma, dgamma, dbeta, statistics, accumulate, n, count);
}
float netc_peak_loop(ptrdiff_t steps, float sink) { return TABLE->peak_loop(steps, sink); }

// Subnormal numbers are flushed to zero while a model trains (inputs read
// as zero, results written as zero), as TensorFlow and XLA do on CPUs: on
// many CPUs an operation on or producing a subnormal takes a microcode
// assist of ~100 cycles, and training drives momentum and dead units'
// values into that range (an SSE build of mnist b1 took 61–71 µs per step
// instead of 30 µs once velocities decayed below 1.2e-38; iris b1 473 ns
// instead of 285). The caller's mode is restored afterwards. Reading the
// control register is itself slow on some CPUs (AMD EPYC: a flush and
// restore that each read it cost 12.7 ns, 7 ns when the restore does not),
// so the restore only writes back what the flush changed; `predict`, often
// one sample, does not switch, and neither do the smallest models' steps
// (`Plan.flushesSubnormals`).
#if defined(__x86_64__)
enum { FLUSH_BITS = 0x8040u };  // FTZ (bit 15) and DAZ (bit 6)
unsigned netc_flush_subnormals(void) {
    unsigned saved;
    __asm__ volatile("stmxcsr %0" : "=m"(saved));
    unsigned flushed = saved | FLUSH_BITS;
    if (flushed != saved) __asm__ volatile("ldmxcsr %0" : : "m"(flushed));
    return saved;
}
void netc_restore_float_mode(unsigned saved) {
    if ((saved | FLUSH_BITS) != saved) __asm__ volatile("ldmxcsr %0" : : "m"(saved));
}
void netc_set_float_mode(unsigned mode) {
    unsigned now;
    __asm__ volatile("stmxcsr %0" : "=m"(now));
    if (now != mode) __asm__ volatile("ldmxcsr %0" : : "m"(mode));
}
unsigned netc_float_mode(void) {
    unsigned now;
    __asm__ volatile("stmxcsr %0" : "=m"(now));
    return now;
}
#elif defined(__aarch64__)
#define FLUSH_BITS (1ull << 24)  // FZ
unsigned netc_flush_subnormals(void) {
    uint64_t saved;
    __asm__ volatile("mrs %0, fpcr" : "=r"(saved));
    uint64_t flushed = saved | FLUSH_BITS;
    if (flushed != saved) __asm__ volatile("msr fpcr, %0" : : "r"(flushed));
    return (unsigned)saved;
}
void netc_restore_float_mode(unsigned saved) {
    if (((uint64_t)saved | FLUSH_BITS) != (uint64_t)saved) __asm__ volatile("msr fpcr, %0" : : "r"((uint64_t)saved));
}
void netc_set_float_mode(unsigned mode) {
    uint64_t now;
    __asm__ volatile("mrs %0, fpcr" : "=r"(now));
    if (now != (uint64_t)mode) __asm__ volatile("msr fpcr, %0" : : "r"((uint64_t)mode));
}
unsigned netc_float_mode(void) {
    uint64_t now;
    __asm__ volatile("mrs %0, fpcr" : "=r"(now));
    return (unsigned)now;
}
#else
unsigned netc_flush_subnormals(void) { return 0; }
void netc_restore_float_mode(unsigned saved) { (void)saved; }
void netc_set_float_mode(unsigned mode) { (void)mode; }
unsigned netc_float_mode(void) { return 0; }
#endif
