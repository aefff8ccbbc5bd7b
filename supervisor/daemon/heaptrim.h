/* Hands memory freed in bulk back to the system (heaptrim.c): a list of
 * thousands of apps or the parse of a big process file frees megabytes
 * that the heap would otherwise keep resident for the daemon's life. */
#ifndef PSUP_HEAPTRIM_H
#define PSUP_HEAPTRIM_H

#include <stddef.h>

/* Free heap bytes gained since the last trim that make the next one worth
 * its walk of the free chunks. */
#define HEAPTRIM_MIN_FREE (256u << 10)

/* 1 when free has grown past HEAPTRIM_MIN_FREE over *floor_free (the free
 * bytes left after the last trim, or the least seen since); lowers *floor
 * when free fell below it. Pure. */
int heaptrim_due(size_t free_now, size_t *floor_free);

/* How often the daemon checks at most (it walks the free chunks). */
#define HEAPTRIM_EVERY_MS 100

/* Trims the heap when heaptrim_due() says so. */
void heaptrim_maybe(void);

#endif
