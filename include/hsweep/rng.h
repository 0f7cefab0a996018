/*
 * Deterministic pseudo-random numbers for the numeric core: xoshiro256**
 * (Blackman & Vigna 2018) seeded through SplitMix64.  The stream depends
 * only on the seed, never on the rank, thread or time, so a task gives the
 * same draws wherever it runs.
 */
#ifndef HSWEEP_RNG_H
#define HSWEEP_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_rng {
    uint64_t s[4];
    double spare; /* cached second normal of the polar method */
    int has_spare;
} hs_rng;

/* Seed the generator; equal seeds give equal streams. */
void hs_rng_seed(hs_rng *r, uint64_t seed);

/* An independent stream for sub-purpose `stream` (e.g. chain index) of `seed`. */
void hs_rng_seed_stream(hs_rng *r, uint64_t seed, uint64_t stream);

uint64_t hs_rng_u64(hs_rng *r);
/* Uniform on the open interval (0, 1): never exactly 0 or 1. */
double hs_rng_uniform(hs_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t hs_rng_below(hs_rng *r, uint64_t n);
/* Standard normal (Marsaglia polar method). */
double hs_rng_normal(hs_rng *r);
/* Gamma(shape, scale=1), shape > 0 (Marsaglia & Tsang 2000). */
double hs_rng_gamma(hs_rng *r, double shape);
/* In-place Fisher-Yates shuffle of n indices. */
void hs_rng_shuffle(hs_rng *r, size_t *idx, size_t n);

/* SplitMix64 finaliser: a strong 64-bit mix, used to derive seeds. */
uint64_t hs_mix64(uint64_t x);

#endif
