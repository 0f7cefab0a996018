/* The clocks of the bench/ programs, in seconds as doubles.
 *   bench_wall_s()  monotonic wall-clock time (what a user waits for)
 *   bench_cpu_s()   CPU time of this process: on a shared machine, and with
 *                   both sides of a comparison on one thread, the fairer clock
 * Include after defining _POSIX_C_SOURCE 200809L (clock_gettime). */
#ifndef HS_BENCH_TIME_H
#define HS_BENCH_TIME_H

#include <time.h>

static inline double bench_clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline double bench_wall_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }

static inline double bench_cpu_s(void) { return bench_clock_s(CLOCK_PROCESS_CPUTIME_ID); }

#endif
