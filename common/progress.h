/* The progress protocol: an app writes JSON lines such as
 * {"done":1200,"total":2980,"failed":3,"inflight":16} to PSUP_PROGRESS_FD.
 * This parser is libc-only because the keeper (which links only libc)
 * validates each line before it keeps it. */
#ifndef PSUP_PROGRESS_H
#define PSUP_PROGRESS_H

#include <stddef.h>

enum {
	PROGRESS_HAVE_DONE = 1 << 0,
	PROGRESS_HAVE_TOTAL = 1 << 1,
	PROGRESS_HAVE_FAILED = 1 << 2,
	PROGRESS_HAVE_INFLIGHT = 1 << 3,
	PROGRESS_HAVE_JOB = 1 << 4,
};

/* "job" names the shared job a report counts (e.g. a hash of a job store):
 * workers of one job each report the whole job's numbers, so a group's
 * summary takes them once instead of adding them up. */
#define PROGRESS_JOB_MAX 33     /* 32 characters of [A-Za-z0-9._:-] and the NUL */

struct progress {
	unsigned have;          /* PROGRESS_HAVE_* bits of the fields present */
	long long done, total, failed, inflight;
	char job[PROGRESS_JOB_MAX]; /* "" unless PROGRESS_HAVE_JOB */
};

/* Parses one line (without its newline). Accepts one flat JSON object whose
 * values are numbers, strings, booleans or null; known number keys must be
 * non-negative integers, "job" a short string of [A-Za-z0-9._:-]; "done" is
 * required. Returns 0, or -1 for a bad
 * line. Never reads past len. */
int progress_parse(const char *line, size_t len, struct progress *out);

/* Writes the canonical one-line JSON form (no newline) into buf. */
int progress_format(const struct progress *p, char *buf, size_t n);

#endif
