// C support for NetcRuntime: what the Swift standard library lacks on every
// platform the runtime builds for (Swift's Synchronization module needs
// macOS 15). Header-only; no external dependency.
#ifndef CNETC_RUNTIME_H
#define CNETC_RUNTIME_H

#include <stdint.h>
#include "netc_kernels.h"

/// Takes a lease flag (0 → 1) if it is free; returns 1 on success, 0 when another thread holds it.
static inline int netc_lease_try_acquire(int32_t *flag) {
    int32_t expected = 0;
    return __atomic_compare_exchange_n(flag, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/// Gives a lease back (1 → 0), publishing what the holder wrote.
static inline void netc_lease_release(int32_t *flag) {
    __atomic_store_n(flag, 0, __ATOMIC_RELEASE);
}

#endif
