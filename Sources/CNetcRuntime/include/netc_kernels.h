// Float kernels for dense layers and softmax, compiled twice — for AVX2 with
// FMA and for the baseline of the target — and chosen once at load time by
// the CPU's features (cpuid), as simdjson and OpenBLAS do. Operands keep the
// layouts documented in NetcRuntime's CPUKernels.swift. Sizes are counts of
// scalars; pointers need no alignment.
#ifndef NETC_KERNELS_H
#define NETC_KERNELS_H

#include <stddef.h>

/// y[b][j] = bias[j] + Σᵢ W[j][i]·x[b][i] for b < count, j < m, i < n (bias may be NULL).
void netc_linear(const float *w, const float *bias, const float *x, float *y, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count);
/// netc_linear for m in whole 16s, with W transposed into `scratch` (n·m scalars) first.
void netc_linear_transposed(const float *w, const float *bias, const float *x, float *y,
                            ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch);
/// dW[j][i] = Σ_b dy[b][j]·x[b][i], db[j] = Σ_b dy[b][j] (overwritten; db may be NULL);
/// `scratch` (NULL, or netc_weight_gradient_scratch scalars) packs the operands first.
void netc_weight_gradient(const float *dy, const float *x, float *dw, float *db,
                          ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch);
/// dx[b][i] (= or +=) Σⱼ dy[b][j]·W[j][i].
void netc_input_gradient(const float *dy, const float *w, float *dx, int accumulate,
                         ptrdiff_t n, ptrdiff_t m, ptrdiff_t count);
/// The three products over W stored in panels of 16 outputs, Wp[p][i][c] = W[16p + c][i].
void netc_panel_linear(const float *wp, const float *bias, const float *x, float *y, ptrdiff_t n, ptrdiff_t m, ptrdiff_t count);
void netc_panel_weight_gradient(const float *dy, const float *x, float *dwp, float *db,
                                ptrdiff_t n, ptrdiff_t m, ptrdiff_t count, float *scratch);
void netc_panel_input_gradient(const float *dy, const float *wp, float *dx, int accumulate,
                               ptrdiff_t n, ptrdiff_t m, ptrdiff_t count);
/// y[i] = e^(x[i] − shift) for i < n (y may be x); at most a few ulp from expf, NaN stays NaN.
void netc_exp_shifted(const float *x, float shift, float *y, ptrdiff_t n);
/// y[i] = f(x[i]) for i < n (y may be x), f one of the activations below (`parameter`: elu's α), each
/// the formula of NetcRuntime's Math over 8 lanes, within a few ulp of it; NaN stays NaN.
enum { NETC_SIGMOID = 0, NETC_TANH = 1, NETC_ELU = 2, NETC_SOFTPLUS = 3, NETC_SILU = 4, NETC_GELU_TANH = 5, NETC_GELU = 6 };
void netc_activation(int kind, float parameter, const float *x, float *y, ptrdiff_t n);
/// dx[i] (= or +=) dy[i]·f′(x[i]) for i < n, f NETC_SOFTPLUS, NETC_SILU, NETC_GELU_TANH or NETC_GELU
/// (the activations whose derivative reads x).
void netc_activation_gradient(int kind, const float *x, const float *dy, float *dx, int accumulate, ptrdiff_t n);

/// A convolution over samples [channels][height][width] with weights
/// W[outputs][channels][kernel_height][kernel_width] into [outputs][output_height][output_width]:
/// output (o, oy, ox) and tap (c, ky, kx) read input row oy·stride_y − pad_top + ky·dilation
/// and column ox·stride_x − pad_left + kx·dilation, zero outside (NetcRuntime's ConvolutionGeometry).
typedef struct {
    ptrdiff_t channels, height, width, kernel_height, kernel_width, stride_y, stride_x, dilation;
    ptrdiff_t pad_top, pad_bottom, pad_left, pad_right, output_height, output_width, outputs;
} netc_convolution;
/// Whether the convolution kernels below take `g`: output rows of 8 or more
/// at stride 1, or 8 or more output positions per channel.
int netc_convolution_supported(const netc_convolution *g);
/// The scratch (in scalars) the three kernels need for up to `count` samples.
ptrdiff_t netc_convolution_scratch(const netc_convolution *g, ptrdiff_t count);
/// y[b] = bias + W ⊛ x[b] for b < count (bias may be NULL); with `rectify`, relu of that.
void netc_convolution_forward(const netc_convolution *g, const float *w, const float *bias, const float *x, float *y,
                              int rectify, ptrdiff_t count, float *scratch);
/// dW[o][c][ky][kx] = Σ_b Σ_(oy,ox) dy[b][o][oy][ox]·(what tap (c, ky, kx) read there), db[o] = Σ_b Σ dy[b][o]
/// (both overwritten; db may be NULL).
void netc_convolution_weight_gradient(const netc_convolution *g, const float *dy, const float *x, float *dw, float *db,
                                      ptrdiff_t count, float *scratch);
/// dx[b] (= or +=) every window's Σ_o W[o]·dy[b][o] added back where the window read.
void netc_convolution_input_gradient(const netc_convolution *g, const float *dy, const float *w, float *dx, int accumulate,
                                     ptrdiff_t count, float *scratch);

/// Pooling over each channel's plane, the window as a convolution's (`outputs` unused): a max
/// ignores padding, propagates NaN and sends the gradient to the window's first maximum
/// (its backward pass reads the forward input x and output y); a mean counts padding as zeros.
void netc_max_pool_forward(const netc_convolution *g, const float *x, float *y, ptrdiff_t count);
/// With `rectify`, x is a relu's output and dx the gradient of that relu's input: each share times relu′.
void netc_max_pool_backward(const netc_convolution *g, const float *x, const float *y, const float *dy, float *dx,
                            int accumulate, int rectify, ptrdiff_t count);
void netc_avg_pool_forward(const netc_convolution *g, const float *x, float *y, ptrdiff_t count);
void netc_avg_pool_backward(const netc_convolution *g, const float *dy, float *dx, int accumulate, ptrdiff_t count);

/// Batch normalisation of x [count][channels][plane] while training (NetcCore's BatchNormOp): each
/// channel's mean and biased variance over the batch, kept in `statistics` [channels][2], then
/// y = γ·(x − mean)/√(variance + ε) + β (γ, β NULL: 1 and 0); from those statistics, its gradient
/// dγ += Σ δ·x̂, dβ += Σ δ (each when not NULL) and dx (= or +=) γ/√(variance + ε)·(δ − mean(δ) −
/// x̂·mean(δ·x̂)) (dx NULL: none); and the running statistics' update, running = keep·running +
/// take·batch (the variance unbiased) where both stay finite, returning the largest value written.
void netc_batch_norm_forward(const float *x, float *y, const float *gamma, const float *beta, float *statistics, ptrdiff_t count,
                             ptrdiff_t channels, ptrdiff_t plane, float epsilon);
void netc_batch_norm_backward(const float *x, const float *dy, float *dx, const float *gamma, float *dgamma, float *dbeta,
                              const float *statistics, int accumulate, ptrdiff_t count, ptrdiff_t channels, ptrdiff_t plane,
                              float epsilon);
float netc_batch_norm_update(const float *statistics, float *running_mean, float *running_variance, ptrdiff_t count,
                             ptrdiff_t channels, ptrdiff_t plane, float keep, float take);
/// Layer normalisation of count samples of n values (NetcCore's LayerNormOp): each sample's mean and
/// s = 1/√(biased variance + ε), kept in `statistics` [count][2], and y = γ ⊙ (x − mean)·s + β (γ, β
/// NULL: 1 and 0); from those statistics, its gradient dγ += δ ⊙ x̂, dβ += δ (each when not NULL) and
/// dx (= or +=) (g − mean(g) − x̂·mean(g ⊙ x̂))·s with g = δ ⊙ γ (dx NULL: none).
void netc_layer_norm_forward(const float *x, float *y, const float *gamma, const float *beta, float *statistics, ptrdiff_t n,
                             float epsilon, ptrdiff_t count);
void netc_layer_norm_backward(const float *x, const float *dy, float *dx, const float *gamma, float *dgamma, float *dbeta,
                              const float *statistics, int accumulate, ptrdiff_t n, ptrdiff_t count);

/// One optimizer step's constants (`NetcRuntime.Hyperparameters` at step t).
/// Per parameter, g = gradient_scale·∇ + decay·p, then
///   sgd:  s1 = momentum·s1 + g; p −= learning_rate·(nesterov ? g + momentum·s1 : s1)
///         (momentum 0: p −= learning_rate·g, s1 untouched)
///   adam: s1 = β1·s1 + (1−β1)·g; s2 = β2·s2 + (1−β2)·g²;
///         p = shrink·p − learning_rate·(s1/correction1) / (√(s2/correction2) + ε), correction_k = 1 − β_kᵗ
///         (shrink: 1, or AdamW's 1 − learning_rate·λ with decay 0);
///   rmsprop: s1 = β2·s1 + (1−β2)·g² (β2 = α); q = g / (√s1 + ε);
///         p −= learning_rate·q, or with momentum s2 = momentum·s2 + q; p −= learning_rate·s2.
enum { NETC_UPDATE_SGD = 0, NETC_UPDATE_ADAM = 1, NETC_UPDATE_RMSPROP = 2 };
typedef struct {
    int kind, nesterov;
    float learning_rate, momentum, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon;
    float correction1, correction2, decay, shrink, gradient_scale;
} netc_update;

/// Applies the update to n parameters p with gradients g; s1 and s2 are the
/// optimizer's state (NULL where it keeps none).
void netc_update_apply(const netc_update *u, float *p, const float *g, float *s1, float *s2, ptrdiff_t n);
/// Whether netc_update_apply would leave every value it writes finite; writes nothing.
int netc_update_is_finite(const netc_update *u, const float *p, const float *g, const float *s1, const float *s2, ptrdiff_t n);
/// The largest |x[i]|, or NaN or ∞ if any value is.
float netc_max_magnitude(const float *x, ptrdiff_t n);
/// Σ x[i]², accumulated in double.
double netc_sum_of_squares(const float *x, ptrdiff_t n);
/// The multiply-add peak's timed body (benchmarks): `steps` rounds of 160 FLOPs.
float netc_peak_loop(ptrdiff_t steps, float sink);

/// The kernel sets: what `netc_kernels_path` reports and `netc_kernels_select` takes.
enum { NETC_KERNELS_BASELINE = 0, NETC_KERNELS_AVX2_FMA = 1 };
/// The set in use.
int netc_kernels_path(void);
/// Whether this CPU (and its operating system) can run the set.
int netc_kernels_supported(int path);
/// Uses `path` from now on if supported; returns the set in use afterwards.
int netc_kernels_select(int path);

/// Threads: the products above split across worker threads (pool.c) when
/// the calling thread's budget allows more than one and the product is large
/// enough (`netc_parallel_parts`). Each part computes its own outputs with the
/// same arithmetic as one thread would, so results do not depend on the budget.
/// Sets the calling thread's budget (1 or more); returns the previous one (initially 1).
int netc_set_thread_budget(int threads);
int netc_thread_budget(void);
/// The cores this process may run on (its CPU affinity on Linux).
int netc_available_cores(void);
/// How many parts a product of `work` multiply-adds splits into under the calling thread's budget: the decision and its threshold.
ptrdiff_t netc_parallel_parts(double work);
/// The smallest part worth a thread, in multiply-adds (what netc_parallel_parts divides by).
ptrdiff_t netc_parallel_part_work(void);
/// Runs body(context, p, parts) for p < parts, each part claimed by the calling thread or a worker; returns when all are done.
typedef void (*netc_part)(void *context, ptrdiff_t part, ptrdiff_t parts);
void netc_parallel_run(ptrdiff_t parts, netc_part body, void *context);
/// Scratch for a part that needs its own: `caller` on the calling thread, on a
/// worker that worker's buffer of at least `scalars` (allocated the first time
/// it is this large, kept after); NULL if that allocation fails.
float *netc_part_scratch(float *caller, ptrdiff_t scalars);
/// Parts run on worker threads so far in this process (tests and benchmarks).
unsigned long long netc_parallel_jobs(void);
/// The calling thread's floating-point control mode (what netc_set_float_mode sets).
unsigned netc_float_mode(void);
/// Sets the calling thread's floating-point control mode (a worker takes its caller's).
void netc_set_float_mode(unsigned mode);

/// Sets the calling thread to flush subnormal inputs and results to zero;
/// returns the mode to give `netc_restore_float_mode` afterwards.
unsigned netc_flush_subnormals(void);
/// Undoes what `netc_flush_subnormals` changed (nothing else may change the mode meanwhile).
void netc_restore_float_mode(unsigned saved);

#endif
