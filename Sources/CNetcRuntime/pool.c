// The worker threads a model's products split across (dispatch.c): created
// once, on the first product that splits, and kept; a job is handed over by
// bumping a generation counter the workers spin on, then sleep on (a futex on
// Linux, a condition variable elsewhere) once they have spun for a while with
// nothing to do. A job takes no lock and allocates nothing.
//
// The caller and the workers claim the job's parts one at a time from one
// atomic word, so a worker whose core is busy elsewhere (a neighbour on a
// shared machine) delays nothing: the caller takes the parts it has not
// claimed, and returns once every part is done, without waiting for workers
// that never woke. Each part writes its own outputs with the same arithmetic
// as the single-threaded kernel, so results do not depend on which thread
// runs which part, nor on timing. One job runs at a time: a second thread
// that asks while one runs gets its parts run in turn on itself.
#define _GNU_SOURCE  // sched_getaffinity
#include "netc_kernels.h"
#include <pthread.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#endif

/// SPINS: pauses a worker spins for a job before it sleeps, about 3 ms on
/// the CI VM. Woken from sleep, a worker came 10–30 µs late and held up the
/// part it then claimed; with 2¹⁴ pauses (a few hundred µs) DigitsCNN, whose
/// products lie further apart, trained on 2 threads in 1,092 ms against 903
/// on 1 (medians of 5); with 2¹⁷, in 845 ms.
enum { MAX_WORKERS = 63, SPINS = 1 << 17 };

static struct {
    pthread_mutex_t lock;  // guards starting workers and the sleep fallback
    pthread_cond_t wake;
    int workers;           // started
    int busy;              // a job is running
    // The job: read by a thread once it has claimed one of its parts.
    netc_part body;
    void *context;
    unsigned mode;         // the caller's floating-point mode (subnormals flushed or not)
    uint32_t generation;   // bumped for each job: what workers wait on
    /// The job's generation (high 32 bits), the next part to claim (bits
    /// 16–31) and the number of parts (low 16): claimed by compare-and-swap.
    uint64_t claim;
    int32_t done;          // the job's parts finished
    int32_t sleepers;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static _Thread_local int budget = 1;
/// On a worker: that worker's scratch for parts that need their own (grown, never shrunk; workers never exit).
static _Thread_local int on_worker = 0;
static _Thread_local float *worker_scratch = 0;
static _Thread_local ptrdiff_t worker_scratch_size = 0;

float *netc_part_scratch(float *caller, ptrdiff_t scalars) {
    if (!on_worker) return caller;
    if (worker_scratch_size < scalars) {
        float *grown = realloc(worker_scratch, (size_t)scalars * sizeof(float));
        if (!grown) return 0;
        worker_scratch = grown;
        worker_scratch_size = scalars;
    }
    return worker_scratch;
}
static uint64_t jobs = 0;  // parts run on workers, for tests and benchmarks

unsigned long long netc_parallel_jobs(void) { return __atomic_load_n(&jobs, __ATOMIC_RELAXED); }

int netc_set_thread_budget(int threads) {
    int previous = budget;
    budget = threads < 1 ? 1 : threads > MAX_WORKERS + 1 ? MAX_WORKERS + 1 : threads;
    return previous;
}

int netc_thread_budget(void) { return budget; }

int netc_available_cores(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void sleep_while(uint32_t seen) {
    __atomic_add_fetch(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
#if defined(__linux__)
    while (__atomic_load_n(&pool.generation, __ATOMIC_SEQ_CST) == seen)
        syscall(SYS_futex, &pool.generation, FUTEX_WAIT_PRIVATE, seen, 0, 0, 0);
#else
    pthread_mutex_lock(&pool.lock);
    while (__atomic_load_n(&pool.generation, __ATOMIC_SEQ_CST) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
#endif
    __atomic_sub_fetch(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
}

/// Runs parts of job `generation` while any is left to claim (a worker's
/// counted in `jobs` before it is marked done, so a caller never sees the count lag).
static void run_parts(uint32_t generation, int worker) {
    for (;;) {
        uint64_t claim = __atomic_load_n(&pool.claim, __ATOMIC_ACQUIRE);
        uint32_t next = (uint32_t)(claim >> 16) & 0xffff, parts = (uint32_t)claim & 0xffff;
        if ((uint32_t)(claim >> 32) != generation || next >= parts) return;
        if (!__atomic_compare_exchange_n(&pool.claim, &claim, claim + (1u << 16), 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) continue;
        // The part is ours, so the job cannot end (nor its fields change) before we count it done.
        netc_set_float_mode(pool.mode);
        pool.body(pool.context, next, parts);
        if (worker) __atomic_add_fetch(&jobs, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&pool.done, 1, __ATOMIC_RELEASE);
    }
}

/// A worker; `argument` is the generation when it was started (a job posted
/// before it first runs is still its to see).
static void *worker(void *argument) {
    uint32_t seen = (uint32_t)(uintptr_t)argument;
    on_worker = 1;
    for (;;) {
        uint32_t now;
        int spins = 0;
        while ((now = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE)) == seen) {
            if (++spins < SPINS) relax();
            else { sleep_while(seen); spins = 0; }
        }
        seen = now;
        run_parts(seen, 1);
    }
    return 0;
}

/// Starts workers up to `wanted` (by the thread running jobs, so the
/// generation stays put meanwhile); returns how many run.
static int start_workers(int wanted) {
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    int running = __atomic_load_n(&pool.workers, __ATOMIC_ACQUIRE);
    if (running >= wanted) return running;
    pthread_mutex_lock(&pool.lock);
    while (pool.workers < wanted) {
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_t thread;
        uintptr_t argument = __atomic_load_n(&pool.generation, __ATOMIC_RELAXED);
        int failed = pthread_create(&thread, &attributes, worker, (void *)argument);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        __atomic_store_n(&pool.workers, pool.workers + 1, __ATOMIC_RELEASE);
    }
    running = pool.workers;
    pthread_mutex_unlock(&pool.lock);
    return running;
}

void netc_parallel_run(ptrdiff_t parts, netc_part body, void *context) {
    int expected = 0;
    if (parts < 2 || !__atomic_compare_exchange_n(&pool.busy, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        for (ptrdiff_t p = 0; p < parts; p++) body(context, p, parts);
        return;
    }
    int workers = start_workers((int)parts - 1);
    if (workers == 0) {
        for (ptrdiff_t p = 0; p < parts; p++) body(context, p, parts);
        __atomic_store_n(&pool.busy, 0, __ATOMIC_RELEASE);
        return;
    }
    // Fewer parts when fewer workers could start: a part's results do not depend on how many there are.
    ptrdiff_t shared = parts <= workers + 1 ? parts : workers + 1;
    pool.body = body;
    pool.context = context;
    pool.mode = netc_float_mode();
    uint32_t generation = pool.generation + 1;
    __atomic_store_n(&pool.done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&pool.claim, (uint64_t)generation << 32 | (uint64_t)shared, __ATOMIC_RELEASE);
    __atomic_store_n(&pool.generation, generation, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&pool.sleepers, __ATOMIC_SEQ_CST) > 0) {
#if defined(__linux__)
        syscall(SYS_futex, &pool.generation, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0);
#else
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.lock);
#endif
    }
    run_parts(generation, 0);
    while (__atomic_load_n(&pool.done, __ATOMIC_ACQUIRE) < shared) relax();
    __atomic_store_n(&pool.busy, 0, __ATOMIC_RELEASE);
}
