/*
 * FNV-1a, 64-bit (Fowler, Noll, Vo; draft-eastlake-fnv): a fast
 * non-cryptographic hash of bytes, for hash tables and for the tasks' RNG
 * seeds (hs_task_rng_seed), whose values must never change.
 */
#ifndef HSWEEP_HASH_H
#define HSWEEP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The 64-bit offset basis: the hash of no bytes. */
#define HS_FNV1A64_INIT 0xcbf29ce484222325ULL

/* The FNV-1a hash of the bytes hashed into h followed by p[0..n): start with
 * h = HS_FNV1A64_INIT.  "a" gives 0xaf63dc4c8601ec8c, "foobar" 0x85944171f73967e8. */
uint64_t hs_fnv1a64(uint64_t h, const void *p, size_t n);

#endif
