// The AVX2 + FMA kernel set: chosen at load time on CPUs that have both
// (dispatch.c). Every function carries the target attribute, and products
// are fused into multiply-adds. On x86-64 Linux the build assembles
// avx2_fma.x86_64-linux.S, this file compiled beforehand (prebuild.sh).
#if defined(__x86_64__) && (!defined(__linux__) || defined(NETC_ASSEMBLE))
#pragma clang fp contract(fast)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define NETC_SET avx2_fma
#include "body.h"
#pragma clang attribute pop
#endif
