/* Progress output. The supervisor's keeper reads the fd line by line, so a
 * line goes out whole in one write; writes are non-blocking so a stuck
 * reader can never stall the worker. */
#include "progress_out.h"
#include "fdio.h"
#include "hash.h"
#include "progress.h"
#include "runstats.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void progress_out_init_mode(struct progress_out *p, enum progress_mode mode, int fd)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
	p->fd = fd;
	p->last_ns = INT64_MIN;
	p->interval_ns = mode == PROGRESS_PLAIN ? 10000000000LL : 250000000LL;
}

void progress_out_init(struct progress_out *p)
{
	const char *s = getenv("PSUP_PROGRESS_FD");
	if (s && *s) {
		char *end;
		errno = 0;
		long fd = strtol(s, &end, 10);
		if (errno == 0 && *end == '\0' && fd >= 0 && fd < 65536 &&
		    fcntl((int)fd, F_GETFD) >= 0) {
			int fl = fcntl((int)fd, F_GETFL);
			if (fl >= 0)
				fcntl((int)fd, F_SETFL, fl | O_NONBLOCK);
			progress_out_init_mode(p, PROGRESS_FD, (int)fd);
			return;
		}
	}
	progress_out_init_mode(p, isatty(2) ? PROGRESS_TTY : PROGRESS_PLAIN, 2);
}

/* The pace and the API's limit after the counts: "rpm" and "api_rpm" in a
 * JSON report (before its closing brace), words on a terminal. Returns the
 * new length, or -1 when it does not fit. */
static int limits_add(enum progress_mode mode, const struct progress_counts *c, char *line,
    size_t len, size_t cap)
{
	char add[96];
	int k = 0;
	if (c->rpm <= 0 && c->api_rpm <= 0)
		return (int)len;
	if (mode == PROGRESS_FD)
		k = snprintf(add, sizeof add, ",\"rpm\":%.0f,\"api_rpm\":%.0f}\n", c->rpm, c->api_rpm);
	else if (c->api_rpm > 0 && c->rpm > 0 && c->rpm < 0.95 * c->api_rpm)
		k = snprintf(add, sizeof add, ", %.0f rpm (the API allows %.0f)", c->rpm, c->api_rpm);
	else if (c->rpm > 0)
		k = snprintf(add, sizeof add, ", %.0f rpm", c->rpm);
	if (mode == PROGRESS_FD)
		len -= 2; /* the "}\n" that add ends with again */
	if (k < 0 || len + (size_t)k > cap)
		return -1;
	memcpy(line + len, add, (size_t)k + 1);
	return (int)(len + (size_t)k);
}

/* A report in the protocol's canonical form (progress.h), newline ended. */
static int fd_line(const struct progress_out *p, const struct progress_counts *c, char *line,
    size_t cap)
{
	struct progress r = {
		.have = PROGRESS_HAVE_DONE | PROGRESS_HAVE_TOTAL | PROGRESS_HAVE_FAILED |
		    PROGRESS_HAVE_INFLIGHT,
		.done = c->done, .total = c->total, .failed = c->failed, .inflight = c->inflight,
	};
	if (p->job[0]) {
		r.have |= PROGRESS_HAVE_JOB;
		snprintf(r.job, sizeof r.job, "%s", p->job);
	}
	if (c->note)
		snprintf(r.note, sizeof r.note, "%s", c->note);
	if (c->stats)
		runstats_report(c->stats, &r);
	char halt[PROGRESS_WIRE_MAX];
	int hn = 0;
	if (c->halt && *c->halt && (hn = progress_halt_format(c->halt, halt, sizeof halt)) < 0)
		return -1;
	/* the rate and limits follow (limits_add): room for them is kept */
	size_t room = PROGRESS_WIRE_MAX - 64 < cap - 2 ? PROGRESS_WIRE_MAX - 64 : cap - 2;
	int n = progress_format(&r, line, cap - 1);
	if (n >= 0 && (size_t)n + (size_t)hn >= room) {
		/* the stats give way to the halt, which must arrive */
		r.stat_have = 0;
		n = progress_format(&r, line, cap - 1);
	}
	if (n < 0 || (size_t)n + (size_t)hn >= room)
		return -1;
	memcpy(line + n - 1, halt, (size_t)hn);
	n += hn - 1;
	line[n++] = '}';
	line[n++] = '\n';
	line[n] = '\0';
	return n;
}

int progress_out_update(struct progress_out *p, int64_t now, const struct progress_counts *c,
    int force)
{
	if (p->fd < 0)
		return 0;
	if (!force && p->last_ns != INT64_MIN && now - p->last_ns < p->interval_ns)
		return 0;
	char line[PROGRESS_OUT_LINE_MAX];
	int n;
	if (p->mode == PROGRESS_FD)
		n = fd_line(p, c, line, sizeof line);
	else
		n = snprintf(line, sizeof line, "progress: %lld/%lld done (%.1f%%), %lld failed, %lld in flight",
		    c->done, c->total, c->total ? 100.0 * (double)c->done / (double)c->total : 0.0,
		    c->failed, c->inflight);
	if (n < 0 || (size_t)n >= sizeof line)
		return 0;
	n = limits_add(p->mode, c, line, (size_t)n, sizeof line - 1);
	if (n < 0)
		return 0;
	/* on a terminal or in a log the note follows the counts and the
	 * pace, as psup status shows it under them */
	if (p->mode != PROGRESS_FD && c->note && *c->note) {
		int k = snprintf(line + n, sizeof line - (size_t)n, "; %s", c->note);
		if (k > 0 && (size_t)k < sizeof line - (size_t)n)
			n += k;
		else
			line[n] = '\0';
	}
	if (strcmp(line, p->last) == 0)
		return 0;
	memcpy(p->last, line, (size_t)n + 1);
	p->last_ns = now;
	if (p->mode == PROGRESS_FD) {
		if (fdio_write_all(p->fd, line, (size_t)n) < 0 && errno != EAGAIN)
			p->fd = -1; /* reader gone: stop reporting, keep working */
	} else if (p->mode == PROGRESS_TTY) {
		fprintf(stderr, "\r\033[K%s", line);
		fflush(stderr);
		p->line_open = 1;
	} else {
		fprintf(stderr, "psup-worker: %s\n", line);
	}
	return 1;
}

void progress_out_interrupt(struct progress_out *p)
{
	if (p->mode == PROGRESS_TTY && p->line_open) {
		fputs("\r\033[K", stderr);
		p->line_open = 0;
		p->last[0] = '\0';
	}
}

void progress_out_finish(struct progress_out *p)
{
	if (p->mode == PROGRESS_TTY && p->line_open) {
		fputc('\n', stderr);
		p->line_open = 0;
	}
}

int64_t progress_out_next(const struct progress_out *p)
{
	return p->last_ns == INT64_MIN ? 0 : p->last_ns + p->interval_ns;
}

void progress_out_job_key(const char *store_url, char out[33])
{
	/* Workers started from other folders name one SQLite file by other
	 * relative paths: compare the resolved path. */
	const char *path = store_url;
	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	char *real = strncmp(store_url, "postgres", 8) == 0 ? NULL : realpath(path, NULL);
	const char *name = real ? real : store_url;
	/* FNV-1a: a short stable name; the URL itself may hold a password.
	 * Its start is the one the first builds used (a digit short of FNV's
	 * own), kept: the key names files every worker of a job must find. */
	uint64_t h = hash_fnv1a(1469598103934665603ULL, name, strlen(name));
	free(real);
	snprintf(out, 33, "job:%016llx", (unsigned long long)h);
}

void progress_out_set_job(struct progress_out *p, const char *store_url)
{
	progress_out_job_key(store_url, p->job);
}
