/* The line psup shows under its status table for a running worker (the
 * progress protocol's "note", progress.h): what the worker waits for when
 * the counts alone would only show it stalled. Pure: the run gathers the
 * facts, this words the one that matters most. */
#ifndef PSUP_NOTE_H
#define PSUP_NOTE_H

#include <stddef.h>
#include <stdint.h>

struct note_facts {
	int stopping;            /* a stop was asked (a signal, a halt) */
	int inflight;            /* requests still out */
	int64_t store_away_ns;   /* the job store unreachable this long; 0: it answers */
	int endpoints;           /* the job's endpoints */
	int resting;             /* of them, those sending only probes (breaker open) */
	int64_t down_ns;         /* the only endpoint resting: for this long */
	const char *down_why;    /* ... after this failure (may be NULL) */
	int64_t probe_every_ns;  /* a resting endpoint's probe interval */
	int64_t hold_ns;         /* sending held this much longer (Retry-After) */
	int idle;                /* nothing to claim: the rest is leased by others */
};

/* Writes the note into buf (n bytes, NUL-terminated; "" when there is
 * nothing to say). In this order, the first that holds: stopping with
 * requests out, the store away, every endpoint resting, some resting, a
 * hold, idle. */
void note_pick(const struct note_facts *f, char *buf, size_t n);

#endif
