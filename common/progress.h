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
	PROGRESS_HAVE_HALT = 1 << 5,
};

/* "halt" is the app's word that restarting it cannot help: a person must
 * act first (a refused key, a used-up quota, a job file every item fails
 * with). Its text says what to do; when the app next exits with a failure
 * its keeper marks it errored with that text instead of restarting it. A
 * later report without "halt" takes it back. The text is kept up to
 * PROGRESS_HALT_MAX - 1 bytes (cut at a character), each control
 * character a space. */
#define PROGRESS_HALT_MAX 201

/* "note" says what the app waits for or is doing, when that is not
 * plain from the counts ("the API is down for 40 s (HTTP 503): one probe
 * every 10 s"); each report replaces it, one without clears it. Kept up to
 * PROGRESS_NOTE_MAX - 1 bytes, cut and cleaned as the halt is. */
#define PROGRESS_NOTE_MAX 121

/* The longest report line a reader accepts, without its newline. */
#define PROGRESS_WIRE_MAX 1024

/* "job" names the shared job a report counts (e.g. a hash of a job store):
 * workers of one job each report the whole job's numbers, so a group's
 * summary takes them once instead of adding them up. */
#define PROGRESS_JOB_MAX 33     /* 32 characters of [A-Za-z0-9._:-] and the NUL */

/* Optional request statistics a worker adds (psup-worker does): its own
 * requests, not the job's, so a job's workers add up. Non-negative
 * integers; a stat key with any other value is ignored, not an error, so
 * apps that used these names for their own values keep reporting. */
enum progress_stat {
	PROGRESS_STAT_REQ_2XX,       /* "req_2xx": answers by status class */
	PROGRESS_STAT_REQ_4XX,       /* "req_4xx": 4xx other than 429 */
	PROGRESS_STAT_REQ_429,       /* "req_429" */
	PROGRESS_STAT_REQ_5XX,       /* "req_5xx" */
	PROGRESS_STAT_REQ_OTHER,     /* "req_other": no answer (timeouts, connection errors), 1xx, 3xx */
	PROGRESS_STAT_RETRIES,       /* "retries": answers that sent their item again */
	PROGRESS_STAT_LAT_SUM_MS,    /* "lat_sum_ms": latency of all those requests */
	PROGRESS_STAT_LAT_P50_MS,    /* "lat_p50_ms", "lat_p95_ms", "lat_p99_ms": percentiles */
	PROGRESS_STAT_LAT_P95_MS,
	PROGRESS_STAT_LAT_P99_MS,
	PROGRESS_STAT_TOKENS,        /* "tokens": as the API counted them */
	PROGRESS_STAT_TOKENS_IN,     /* "tokens_in", "tokens_out": when it splits them */
	PROGRESS_STAT_TOKENS_OUT,
	PROGRESS_STAT_COST_UUSD,     /* "cost_uusd": millionths of a US dollar */
	PROGRESS_NSTAT,
};

struct progress {
	unsigned have;          /* PROGRESS_HAVE_* bits of the fields present */
	long long done, total, failed, inflight;
	char job[PROGRESS_JOB_MAX]; /* "" unless PROGRESS_HAVE_JOB */
	char note[PROGRESS_NOTE_MAX]; /* "" when none */
	unsigned stat_have;     /* 1 << PROGRESS_STAT_* of the stats present */
	long long stat[PROGRESS_NSTAT];
};

/* The longest line progress_format writes, without its NUL. */
#define PROGRESS_LINE_MAX 896

/* Parses one line (without its newline). Accepts one flat JSON object whose
 * values are numbers, strings, booleans or null; known number keys must be
 * non-negative integers, "job" a short string of [A-Za-z0-9._:-], "halt"
 * and "note" strings of UTF-8 text (or null: none; a note of another type
 * is ignored, as other apps may use the name); "done" is required.
 * Returns 0, or -1 for a bad line. Never reads past len. */
int progress_parse(const char *line, size_t len, struct progress *out);
/* The same, and the "halt" text decoded into halt (PROGRESS_HALT_MAX
 * bytes, NUL-terminated; "" when the line has none; undefined after -1). */
int progress_parse_halt(const char *line, size_t len, struct progress *out,
    char halt[PROGRESS_HALT_MAX]);
/* Writes ,"halt":"TEXT" (TEXT JSON-escaped, cut as the reader cuts it) at
 * buf, which has n bytes. Returns the length it needed (like snprintf). */
int progress_halt_format(const char *text, char *buf, size_t n);

/* Writes the canonical one-line JSON form (no newline) into buf: the
 * counts, "job", "note" (cut as the reader cuts it), then the stats.
 * Returns its length (like snprintf). */
int progress_format(const struct progress *p, char *buf, size_t n);

/* A stat's key ("req_2xx"), or NULL out of range. */
const char *progress_stat_name(int k);
/* The longest progress_stats_pack text, without its NUL: every stat with
 * 19 digits. Kept apart from PROGRESS_LINE_MAX: the keeper packs it on
 * its deepest call chain, whose stack pages stay resident 1,000-fold. */
#define PROGRESS_STATS_MAX 416

/* The stats alone as "key:value,key:value" (no spaces, '=' or '%', for
 * the keeper's status line); "" when there are none. Returns the length
 * (like snprintf). */
int progress_stats_pack(const struct progress *p, char *buf, size_t n);
/* Reads progress_stats_pack() text into p's stats, replacing any it had.
 * Unknown keys are skipped (a newer keeper). Returns 0, or -1 when
 * malformed. */
int progress_stats_unpack(const char *s, size_t len, struct progress *p);

#endif
