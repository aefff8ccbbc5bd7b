/* An app's log files: output is cut into whole lines per stream, optionally
 * stamped, and written to the stream's file and the combined file in large
 * batches (one writev per file per read, never one syscall per line).
 * A failed write never leaves a torn line (logfile.h). Files rotate by
 * rename (name -> name.1 ... name.N), fsynced first, and are never
 * copy-truncated. libc-only: the keeper uses it. */
#ifndef PSUP_LOGSINK_H
#define PSUP_LOGSINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "logfile.h"
#include "spec.h"

enum logsink_stream { LOG_OUT, LOG_ERR };

/* Longest line written whole; a longer one is cut into pieces of this size
 * (each ended by a newline) and counted in lines_split. */
#define LOGSINK_LINE_MAX 65536
#define LOGSINK_IOV LOGFILE_IOV

/* The unterminated end of one stream of one run, carried between reads.
 * Zero-initialise; logline_free() when the stream ends. */
struct logline {
	char *buf;      /* grown to what it holds, at most LOGSINK_LINE_MAX */
	size_t len, cap;
};

struct logsink {
	struct logfile files[3];
	int nfiles;
	int targets[2][2];    /* file indexes each stream writes to */
	int ntargets[2];

	int time;             /* stamp each line */
	int json;             /* each line a JSON object, as pm2's log_type: json */
	char *app;            /* the app's name, for JSON lines */
	char *date_format;    /* strftime format, NULL = ISO 8601 with ms */
	long long max_size;   /* rotate at this size; 0 = never */
	int retain;

	int64_t ts_ms;        /* the time the cached prefix is for */
	char ts[128];
	size_t ts_len;

	/* the batch being built: iovecs into the caller's data, the line
	 * buffers and the stamping area */
	struct iovec iov[LOGSINK_IOV];
	int niov;
	int stream;
	char *stage;
	size_t stage_len, stage_cap;

	long long lines_split;   /* over-long lines cut */
	long long lines_dropped; /* lines missing from a file they were for */
	long long write_errors;
	char last_error[160];    /* "" or the latest write/rotate failure */
};

/* Sets the sink up for the files the spec names without opening them (a
 * write opens what is not open yet); logsink_close() it. */
void logsink_init(struct logsink *ls, const struct app_spec *s);
/* Opens each file not open yet (creating its directories); the first
 * failure is returned (-1, *cause; cause may be NULL). Files that cannot be
 * opened are retried on every write. */
int logsink_open_files(struct logsink *ls, char **cause);
/* logsink_init, then logsink_open_files: the sink is usable, and must be
 * logsink_close()d, whatever it returns. */
int logsink_open(struct logsink *ls, const struct app_spec *s, char **cause);
void logsink_close(struct logsink *ls);

/* Cuts n bytes of a stream into lines and writes the whole ones; the
 * unterminated end stays in ll. now_ms is the real time used for stamps. */
void logsink_feed(struct logsink *ls, struct logline *ll, enum logsink_stream st,
    const char *data, size_t n, int64_t now_ms);
/* The stream ended: writes what is left in ll as a final line, frees it. */
void logsink_eof(struct logsink *ls, struct logline *ll, enum logsink_stream st,
    int64_t now_ms);
void logline_free(struct logline *ll);
/* Frees ll's buffer when it holds nothing (after a burst: an idle keeper
 * keeps no page of it). */
void logline_trim(struct logline *ll);
/* Writes one line of the keeper's own (no newline needed) to a stream. */
void logsink_message(struct logsink *ls, enum logsink_stream st, const char *msg,
    int64_t now_ms);

/* Frees the stamping area until the next stamped batch (after a burst). */
void logsink_trim(struct logsink *ls);

/* Empties every file (truncate to 0; writers append). */
int logsink_flush(struct logsink *ls, char **cause);
/* Closes and reopens every file (after someone moved them). */
int logsink_reopen(struct logsink *ls, char **cause);
/* Renames name -> name.1 ... and reopens; done by itself at max_size. */
int logsink_rotate(struct logsink *ls, int file, char **cause);

/* Formats a stamp for now_ms with fmt into buf: strftime(3) when fmt holds
 * a %, else day.js tokens (dayjs.h); NULL = ISO 8601 with ms. */
size_t logsink_stamp(const char *fmt, int64_t now_ms, char *buf, size_t n);

#endif
