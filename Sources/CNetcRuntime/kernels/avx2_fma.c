// The AVX2 + FMA kernel set: chosen at load time on CPUs that have both
// (dispatch.c). Every function carries the target attribute, and products
// are fused into multiply-adds.
#if defined(__x86_64__)
#pragma clang fp contract(fast)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define NETC_SET avx2_fma
#include "body.h"
#pragma clang attribute pop
#endif
