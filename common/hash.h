/* FNV-1a, 64 bits: the same value across runs, builds and machines, for
 * names derived from paths and for checking what was written reads back
 * whole. Not for input chosen by an adversary. */
#ifndef PSUP_HASH_H
#define PSUP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL

/* h carried on over n bytes at p: start from HASH_FNV1A_INIT, and chain
 * calls to hash pieces as one. */
uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n);

#endif
