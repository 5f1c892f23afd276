// How the convolution kernels (convolution.h) lay a convolution out: which
// scheme runs it and the scratch it needs. Shared by both kernel sets and
// dispatch.c, so the size the compiler plans is the size the kernels use.
#ifndef NETC_CONVOLUTION_LAYOUT_H
#define NETC_CONVOLUTION_LAYOUT_H

#include "../include/netc_kernels.h"

typedef struct {
    /// Direct: stride 1 and output rows of 8 or more; the windows read the
    /// sample (or a zero-padded copy of it) in place. Otherwise lowered: the
    /// windows are copied out first (im2col) as rows [taps][positions].
    int direct, padded;
    ptrdiff_t taps, positions, padded_height, padded_width;
    /// Vectors of 8 positions per sample (a row's last one anchored at its end).
    ptrdiff_t slots;

    /// Scalars of one sample's source view in scratch (0: read in place).
    ptrdiff_t view;
    /// Samples whose views the weight gradient prepares at once: about 128 kB
    /// of views and δ, so a pass over them stays in L2.
    ptrdiff_t chunk;
} netc_convolution_layout;

static inline netc_convolution_layout netc_convolution_lay_out(const netc_convolution *g, ptrdiff_t count) {
    netc_convolution_layout l;
    l.taps = g->channels * g->kernel_height * g->kernel_width;
    l.positions = g->output_height * g->output_width;
    l.direct = g->stride_y == 1 && g->stride_x == 1 && g->output_width >= 8;
    l.padded = l.direct && (g->pad_top | g->pad_bottom | g->pad_left | g->pad_right) != 0;
    l.padded_height = g->height + g->pad_top + g->pad_bottom;
    l.padded_width = g->width + g->pad_left + g->pad_right;
    l.slots = l.direct ? g->output_height * ((g->output_width + 7) / 8) : (l.positions + 7) / 8;
    l.view = !l.direct ? l.taps * l.positions : l.padded ? g->channels * l.padded_height * l.padded_width : 0;
    ptrdiff_t per_sample = l.view + g->outputs * l.positions;
    l.chunk = 32768 / (per_sample > 0 ? per_sample : 1);
    if (l.chunk > count) l.chunk = count;
    if (l.chunk < 1) l.chunk = 1;
    return l;
}

/// Scalars of scratch: the taps' offsets and the position vectors' (as 32-bit
/// integers), then the views
/// of a chunk of samples and their δ transposed, or one sample's window
/// gradients [taps][positions].
static inline ptrdiff_t netc_convolution_scratch_size(const netc_convolution *g, ptrdiff_t count) {
    netc_convolution_layout l = netc_convolution_lay_out(g, count);
    ptrdiff_t offsets = l.taps + g->outputs;
    ptrdiff_t stride = (g->outputs + 7) & ~(ptrdiff_t)7;
    ptrdiff_t views = l.chunk * (l.view + stride * l.positions), columns = l.taps * l.positions;
    return offsets + 3 * l.slots + (views > columns ? views : columns);
}

#endif
