// One kernel set: the functions of netc_kernels.h for one instruction set.
#ifndef NETC_KERNEL_TABLE_H
#define NETC_KERNEL_TABLE_H

#include "../include/netc_kernels.h"

typedef struct {
    void (*linear)(const float *, const float *, const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    void (*linear_transposed)(const float *, const float *, const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *);
    void (*weight_gradient)(const float *, const float *, float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *);
    void (*input_gradient)(const float *, const float *, float *, int, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    void (*panel_linear)(const float *, const float *, const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    void (*panel_weight_gradient)(const float *, const float *, float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *);
    void (*panel_input_gradient)(const float *, const float *, float *, int, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    void (*exp_shifted)(const float *, float, float *, ptrdiff_t);
    void (*activation)(int, float, const float *, float *, ptrdiff_t);
    void (*activation_gradient)(int, const float *, const float *, float *, int, ptrdiff_t);
    void (*update_apply)(const netc_update *, float *, const float *, float *, float *, ptrdiff_t);
    int (*update_is_finite)(const netc_update *, const float *, const float *, const float *, const float *, ptrdiff_t);
    float (*max_magnitude)(const float *, ptrdiff_t);
    double (*sum_of_squares)(const float *, ptrdiff_t);
    float (*peak_loop)(ptrdiff_t, float);
    void (*convolution_forward)(const netc_convolution *, const float *, const float *, const float *, float *, int, ptrdiff_t, float *);
    void (*convolution_weight_gradient)(const netc_convolution *, const float *, const float *, float *, float *, ptrdiff_t, float *);
    void (*convolution_input_gradient)(const netc_convolution *, const float *, const float *, float *, int, ptrdiff_t, float *);
    void (*convolution_weight_gradient_outputs)(const netc_convolution *, const float *, const float *, float *, float *, ptrdiff_t,
                                                float *, ptrdiff_t, ptrdiff_t);
    void (*max_pool_forward)(const netc_convolution *, const float *, float *, ptrdiff_t);
    void (*max_pool_backward)(const netc_convolution *, const float *, const float *, const float *, float *, int, int, ptrdiff_t);
    void (*avg_pool_forward)(const netc_convolution *, const float *, float *, ptrdiff_t);
    void (*avg_pool_backward)(const netc_convolution *, const float *, float *, int, ptrdiff_t);
    void (*batch_norm_forward)(const float *, float *, const float *, const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float,
                               ptrdiff_t, ptrdiff_t);
    void (*batch_norm_backward)(const float *, const float *, float *, const float *, float *, float *, const float *, int, ptrdiff_t,
                                ptrdiff_t, ptrdiff_t, float, ptrdiff_t, ptrdiff_t);
    float (*batch_norm_update)(const float *, float *, float *, ptrdiff_t, ptrdiff_t, float, float, ptrdiff_t, ptrdiff_t);
    void (*layer_norm_forward)(const float *, float *, const float *, const float *, float *, ptrdiff_t, float, ptrdiff_t);
    void (*layer_norm_backward)(const float *, const float *, float *, const float *, float *, float *, const float *, int, ptrdiff_t,
                                ptrdiff_t);
    // The parts the products split into when they run on several threads (dispatch.c).
    void (*transpose_weights)(const float *, float *, ptrdiff_t, ptrdiff_t);
    void (*linear_transposed_rows)(const float *, const float *, const float *, const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    void (*linear_rows)(const float *, const float *, const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    void (*weight_gradient_rows)(const float *, const float *, float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *, ptrdiff_t, ptrdiff_t);
    void (*panel_linear_outputs)(const float *, const float *, const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t);
    void (*panel_weight_gradient_outputs)(const float *, const float *, float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *,
                                          ptrdiff_t, ptrdiff_t);
} netc_kernel_table;

extern const netc_kernel_table netc_kernels_baseline;
#if defined(__x86_64__)
extern const netc_kernel_table netc_kernels_avx2_fma;
#endif

#endif
