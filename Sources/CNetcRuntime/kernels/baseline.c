// The kernel set for the build's own target: SSE2 on x86-64, where
// multiplies and adds stay separate (never a library call per lane); NEON
// with fused multiply-adds on arm64. On x86-64 Linux the build assembles
// baseline.x86_64-linux.S, this file compiled beforehand (prebuild.sh).
#if !(defined(__x86_64__) && defined(__linux__)) || defined(NETC_ASSEMBLE)
#if defined(__x86_64__)
#pragma clang fp contract(off)
#else
#pragma clang fp contract(fast)
#endif
// 8-lane vectors pass between static, always-inlined helpers only, so the
// AVX argument-passing ABI the compiler warns about never crosses a call.
#pragma clang diagnostic ignored "-Wpsabi"
#define NETC_SET baseline
#include "body.h"
#endif
