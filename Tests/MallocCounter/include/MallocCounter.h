#ifndef NETC_MALLOC_COUNTER_H
#define NETC_MALLOC_COUNTER_H

/// The number of heap allocations (malloc, calloc, realloc, aligned variants)
/// made by this process so far. Linking this target interposes the C
/// library's allocator with counting wrappers that forward to glibc.
long netc_allocation_count(void);

#endif
