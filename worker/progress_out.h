/* Progress reporting for `psup-worker run`: JSON lines to PSUP_PROGRESS_FD
 * when supervised (at most ~4 a second), else one updating line on a
 * terminal, else a plain line every 10 s. Time is passed in. */
#ifndef PSUP_PROGRESS_OUT_H
#define PSUP_PROGRESS_OUT_H

#include <stdint.h>

enum progress_mode { PROGRESS_FD, PROGRESS_TTY, PROGRESS_PLAIN };

#include "progress.h"

/* A report (the longest a reader takes) and a newline. */
#define PROGRESS_OUT_LINE_MAX (PROGRESS_WIRE_MAX + 2)

struct progress_out {
	enum progress_mode mode;
	int fd;
	int64_t interval_ns;
	int64_t last_ns;         /* when the last line went out; INT64_MIN never */
	int line_open;           /* TTY: a line without newline is on screen */
	char last[PROGRESS_OUT_LINE_MAX]; /* the last line written, to skip repeats */
	char job[33];            /* the "job" key of fd reports, or "" */
};

/* Picks the mode from PSUP_PROGRESS_FD (a valid open fd) and isatty(2). */
void progress_out_init(struct progress_out *p);
/* Also for tests: a given mode and fd. */
void progress_out_init_mode(struct progress_out *p, enum progress_mode mode, int fd);

/* Names the job reports are about (derived from the store URL), so psup can
 * tell that several workers report one shared job's numbers. */
void progress_out_set_job(struct progress_out *p, const char *store_url);
/* That name alone, for whoever else needs to find a job's reports. */
void progress_out_job_key(const char *store_url, char out[33]);

struct runstats;

struct progress_counts {
	long long done, total, failed, inflight;
	double rpm, api_rpm;     /* the pace and the API's own limit, 0 = none */
	const struct runstats *stats; /* this worker's requests (fd reports), or NULL */
	const char *halt;        /* fd reports: why a restart cannot help (progress.h), or NULL */
	const char *note;        /* fd reports: what it waits for (progress.h), or NULL */
};

/* Writes the counts if the interval has passed since the last line (or
 * force is set) and they changed. Returns 1 if a line was written. A write
 * that fails (the supervisor is gone) turns reporting off, never the worker. */
int progress_out_update(struct progress_out *p, int64_t now, const struct progress_counts *c,
    int force);
/* Clears a terminal progress line before other output (a log line); the
 * next update redraws it. */
void progress_out_interrupt(struct progress_out *p);
/* Ends a terminal line with a newline so later output starts clean. */
void progress_out_finish(struct progress_out *p);

/* When the next line is due (for arming a timer). */
int64_t progress_out_next(const struct progress_out *p);

#endif
