// Picks a kernel set once, when the library loads, from what the CPU and the
// operating system support (cpuid, and xgetbv for the AVX register state);
// NETC_KERNELS=baseline in the environment forces the baseline set.
#include "table.h"
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

void netc_linear(const float *w, const float *bias, const float *x, float *y, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    TABLE->linear(w, bias, x, y, n, m, count);
}
void netc_linear_transposed(const float *w, const float *bias, const float *x, float *y,
                            ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch) {
    TABLE->linear_transposed(w, bias, x, y, n, m, count, scratch);
}
void netc_weight_gradient(const float *dy, const float *x, float *dw, float *db,
                          ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch) {
    TABLE->weight_gradient(dy, x, dw, db, n, m, count, scratch);
}
void netc_input_gradient(const float *dy, const float *w, float *dx, int accumulate, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    TABLE->input_gradient(dy, w, dx, accumulate, n, m, count);
}
void netc_panel_linear(const float *wp, const float *bias, const float *x, float *y, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    TABLE->panel_linear(wp, bias, x, y, n, m, count);
}
void netc_panel_weight_gradient(const float *dy, const float *x, float *dwp, float *db,
                                ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch) {
    TABLE->panel_weight_gradient(dy, x, dwp, db, n, m, count, scratch);
}
void netc_panel_input_gradient(const float *dy, const float *wp, float *dx, int accumulate,
                               ptrdiff_t n, ptrdiff_t m, ptrdiff_t count) {
    TABLE->panel_input_gradient(dy, wp, dx, accumulate, n, m, count);
}
void netc_exp_shifted(const float *x, float shift, float *y, ptrdiff_t n) { TABLE->exp_shifted(x, shift, y, n); }
void netc_update_apply(const netc_update *u, float *p, const float *g, float *s1, float *s2, ptrdiff_t n) {
    TABLE->update_apply(u, p, g, s1, s2, n);
}
int netc_update_is_finite(const netc_update *u, const float *p, const float *g, const float *s1, const float *s2, ptrdiff_t n) {
    return TABLE->update_is_finite(u, p, g, s1, s2, n);
}
float netc_max_magnitude(const float *x, ptrdiff_t n) { return TABLE->max_magnitude(x, n); }
double netc_sum_of_squares(const float *x, ptrdiff_t n) { return TABLE->sum_of_squares(x, n); }
float netc_peak_loop(ptrdiff_t steps, float sink) { return TABLE->peak_loop(steps, sink); }

// Subnormal numbers are flushed to zero while a model trains (inputs read
// as zero, results written as zero), as TensorFlow and XLA do on CPUs: on
// many CPUs an operation on or producing a subnormal takes a microcode
// assist of ~100 cycles, and training drives momentum and dead units'
// values into that range (an SSE build of mnist b1 took 61–71 µs per step
// instead of 30 µs once velocities decayed below 1.2e-38; iris b1 473 ns
// instead of 285). The caller's mode is restored afterwards; the two
// switches cost about 4–8 ns, so `predict`, often one sample, does not switch.
#if defined(__x86_64__)
unsigned netc_flush_subnormals(void) {
    unsigned saved;
    __asm__ volatile("stmxcsr %0" : "=m"(saved));
    unsigned flushed = saved | 0x8040u;  // FTZ (bit 15) and DAZ (bit 6)
    if (flushed != saved) __asm__ volatile("ldmxcsr %0" : : "m"(flushed));
    return saved;
}
void netc_restore_float_mode(unsigned saved) {
    unsigned now;
    __asm__ volatile("stmxcsr %0" : "=m"(now));
    if (now != saved) __asm__ volatile("ldmxcsr %0" : : "m"(saved));
}
#elif defined(__aarch64__)
unsigned netc_flush_subnormals(void) {
    uint64_t saved;
    __asm__ volatile("mrs %0, fpcr" : "=r"(saved));
    uint64_t flushed = saved | (1ull << 24);  // FZ
    if (flushed != saved) __asm__ volatile("msr fpcr, %0" : : "r"(flushed));
    return (unsigned)saved;
}
void netc_restore_float_mode(unsigned saved) {
    uint64_t now;
    __asm__ volatile("mrs %0, fpcr" : "=r"(now));
    if (now != (uint64_t)saved) __asm__ volatile("msr fpcr, %0" : : "r"((uint64_t)saved));
}
#else
unsigned netc_flush_subnormals(void) { return 0; }
void netc_restore_float_mode(unsigned saved) { (void)saved; }
#endif
