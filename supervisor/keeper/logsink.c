/* Log writing for one app: whole lines per stream, batched writev, rotation
 * by rename. Speed comes from touching each byte once: without stamps whole
 * runs of lines go out as one iovec into the read buffer; with stamps lines
 * are copied once into a staging area behind a prefix computed once per
 * batch. */
#include "logsink.h"
#include "dayjs.h"
#include "jsonesc.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STAGE_CAP (256 * 1024 + LOGSINK_LINE_MAX + 512)
/* a JSON line: every byte of the message may take 6 (\u00XX) */
#define JSON_STAGE_CAP (256 * 1024 + 6 * LOGSINK_LINE_MAX + 8192)

static char newline[] = "\n";

static void note_error(struct logsink *ls, const char *what, const char *path, int e)
{
	ls->write_errors++;
	snprintf(ls->last_error, sizeof ls->last_error, "%s %s: %s", what, path, strerror(e));
}

/* Index of the file for path, adding it when new; -1 for NULL. */
static int file_index(struct logsink *ls, const char *path)
{
	if (!path || !*path)
		return -1;
	for (int i = 0; i < ls->nfiles; i++)
		if (strcmp(ls->files[i].path, path) == 0)
			return i;
	struct logfile *f = &ls->files[ls->nfiles];
	f->path = xstrdup(path);
	f->fd = -1;
	f->size = 0;
	return ls->nfiles++;
}

static void add_target(struct logsink *ls, int stream, int file)
{
	if (file < 0)
		return;
	for (int i = 0; i < ls->ntargets[stream]; i++)
		if (ls->targets[stream][i] == file)
			return;
	ls->targets[stream][ls->ntargets[stream]++] = file;
}

void logsink_init(struct logsink *ls, const struct app_spec *s)
{
	memset(ls, 0, sizeof *ls);
	int out = file_index(ls, s->out_file);
	int err = file_index(ls, s->err_file);
	int comb = file_index(ls, s->combined_file);
	add_target(ls, LOG_OUT, out);
	add_target(ls, LOG_OUT, comb);
	add_target(ls, LOG_ERR, err);
	add_target(ls, LOG_ERR, comb);
	ls->time = s->time;
	ls->json = s->log_json;
	ls->app = xstrdup(s->name ? s->name : "");
	ls->date_format = s->log_date_format ? xstrdup(s->log_date_format) : NULL;
	ls->max_size = s->log_max_size;
	ls->retain = s->log_retain;
	ls->ts_ms = -1;
}

int logsink_open_files(struct logsink *ls, char **cause)
{
	int rc = 0;
	for (int i = 0; i < ls->nfiles; i++) {
		char *why = NULL;
		if (logfile_open(&ls->files[i], rc < 0 || !cause ? NULL : &why) < 0) {
			if (rc == 0 && cause)
				*cause = why;
			rc = -1;
		}
	}
	return rc;
}

int logsink_open(struct logsink *ls, const struct app_spec *s, char **cause)
{
	logsink_init(ls, s);
	return logsink_open_files(ls, cause);
}

void logsink_close(struct logsink *ls)
{
	for (int i = 0; i < ls->nfiles; i++) {
		logfile_close(&ls->files[i]);
		free(ls->files[i].path);
	}
	free(ls->date_format);
	free(ls->app);
	free(ls->stage);
	memset(ls, 0, sizeof *ls);
}

size_t logsink_stamp(const char *fmt, int64_t now_ms, char *buf, size_t n)
{
	time_t sec = (time_t)(now_ms / 1000);
	int ms = (int)(now_ms % 1000);
	struct tm tm;
	if (n == 0)
		return 0;
	buf[0] = '\0';
	if (!localtime_r(&sec, &tm))
		return 0;
	if (fmt && strchr(fmt, '%'))
		return strftime(buf, n, fmt, &tm);
	if (fmt)
		return dayjs_format(fmt, &tm, ms, buf, n);
	char date[32], zone[8];
	if (strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof zone, "%z", &tm) == 0)
		return 0;
	/* %z is +hhmm; ISO 8601 wants +hh:mm */
	int r = snprintf(buf, n, "%s.%03d%.3s:%.2s", date, ms, zone, zone + 3);
	return r < 0 ? 0 : (size_t)r < n ? (size_t)r : n - 1;
}

/* pm2's timestamp of a JSON line without a date format: UTC, ISO 8601
 * with ms and Z (JavaScript's toISOString). */
static size_t stamp_utc(int64_t now_ms, char *buf, size_t n)
{
	time_t sec = (time_t)(now_ms / 1000);
	struct tm tm;
	char date[32];
	if (!gmtime_r(&sec, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return 0;
	int r = snprintf(buf, n, "%s.%03dZ", date, (int)(now_ms % 1000));
	return r < 0 ? 0 : (size_t)r < n ? (size_t)r : n - 1;
}

/* The prefix for lines of this batch: "STAMP: ", computed once per ms; in
 * JSON the timestamp alone. */
static void stamp_update(struct logsink *ls, int64_t now_ms)
{
	if ((!ls->time && !ls->json) || now_ms == ls->ts_ms)
		return;
	ls->ts_ms = now_ms;
	if (ls->json) {
		ls->ts_len = ls->date_format ? logsink_stamp(ls->date_format, now_ms, ls->ts,
		    sizeof ls->ts) : stamp_utc(now_ms, ls->ts, sizeof ls->ts);
		return;
	}
	size_t len = logsink_stamp(ls->date_format, now_ms, ls->ts, sizeof ls->ts - 2);
	ls->ts[len++] = ':';
	ls->ts[len++] = ' ';
	ls->ts_len = len;
}

/* Writes the batch to every target of its stream, then rotates what grew
 * past max_size. Lines that cannot be written are counted once per batch
 * (the most any of its files missed), never silently lost. */
static void batch_flush(struct logsink *ls)
{
	if (ls->niov == 0) {
		ls->stage_len = 0;
		return;
	}
	long long dropped = 0;
	for (int t = 0; t < ls->ntargets[ls->stream]; t++) {
		int i = ls->targets[ls->stream][t];
		struct logfile *f = &ls->files[i];
		const char *what = "";
		long long lost = logfile_write(f, ls->iov, ls->niov, ls->ts,
		    ls->time && !ls->json ? ls->ts_len : 0, &what);
		if (lost > 0) {
			note_error(ls, what, f->path, f->lost_errno);
			dropped = lost > dropped ? lost : dropped;
		}
		if (ls->max_size > 0 && f->size >= ls->max_size && f->regular && f->fd >= 0)
			logsink_rotate(ls, i, NULL);
	}
	ls->lines_dropped += dropped;
	ls->niov = 0;
	ls->stage_len = 0;
}

static void batch_begin(struct logsink *ls, enum logsink_stream st, int64_t now_ms)
{
	ls->stream = st;
	ls->niov = 0;
	ls->stage_len = 0;
	stamp_update(ls, now_ms);
	if ((ls->time || ls->json) && !ls->stage) {
		ls->stage_cap = ls->json ? JSON_STAGE_CAP : STAGE_CAP;
		ls->stage = xmalloc(ls->stage_cap);
	}
}

static void iov_add(struct logsink *ls, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (ls->niov > 0) {
		struct iovec *last = &ls->iov[ls->niov - 1];
		if ((const char *)last->iov_base + last->iov_len == p) {
			last->iov_len += n;
			return;
		}
	}
	if (ls->niov == LOGSINK_IOV)
		batch_flush(ls);
	ls->iov[ls->niov].iov_base = (void *)(uintptr_t)p;
	ls->iov[ls->niov].iov_len = n;
	ls->niov++;
}

static char *put_str(char *o, const char *s)
{
	size_t l = strlen(s);
	memcpy(o, s, l);
	return o + l;
}

/* One line as pm2 writes it with log_type: json (the message keeps its
 * newline, as pm2's does). */
static void emit_json(struct logsink *ls, const char *p, size_t n)
{
	size_t alen = strlen(ls->app);
	size_t most = 6 * (n + alen + ls->ts_len) + 96;
	if (ls->stage_len + most > ls->stage_cap || ls->niov == LOGSINK_IOV)
		batch_flush(ls);
	char *d = ls->stage + ls->stage_len, *o = d;
	o = put_str(o, "{\"message\":\"");
	o += json_escape(o, p, n);
	o = put_str(o, "\\n\",\"timestamp\":\"");
	o += json_escape(o, ls->ts, ls->ts_len);
	o = put_str(o, ls->stream == LOG_OUT ? "\",\"type\":\"out\",\"app_name\":\""
	    : "\",\"type\":\"err\",\"app_name\":\"");
	o += json_escape(o, ls->app, alen);
	o = put_str(o, "\"}\n");
	ls->stage_len += (size_t)(o - d);
	iov_add(ls, d, (size_t)(o - d));
}

/* Adds one line (content without its newline) to the batch, stamped when
 * asked. The caller guarantees n <= LOGSINK_LINE_MAX. */
static void emit_line(struct logsink *ls, const char *p, size_t n)
{
	if (ls->json) {
		emit_json(ls, p, n);
		return;
	}
	if (!ls->time) {
		iov_add(ls, p, n);
		iov_add(ls, newline, 1);
		return;
	}
	/* flush first so the iov_add below cannot flush (and reuse the stage
	 * under the line just copied) */
	if (ls->stage_len + ls->ts_len + n + 1 > ls->stage_cap || ls->niov == LOGSINK_IOV)
		batch_flush(ls);
	char *d = ls->stage + ls->stage_len;
	memcpy(d, ls->ts, ls->ts_len);
	memcpy(d + ls->ts_len, p, n);
	d[ls->ts_len + n] = '\n';
	ls->stage_len += ls->ts_len + n + 1;
	iov_add(ls, d, ls->ts_len + n + 1);
}

/* Adds a span of whole lines, each shorter than the maximum and each ended
 * by a newline (the span ends with one). */
static void emit_span(struct logsink *ls, const char *p, size_t n)
{
	if (!ls->time && !ls->json) {
		iov_add(ls, p, n);
		return;
	}
	const char *end = p + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		emit_line(ls, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

/* The buffer grows with the line it holds: most carried ends are a part
 * of one short line, and a keeper's pages count 1,000-fold. */
static void line_store(struct logline *ll, const char *p, size_t n)
{
	if (ll->len + n > ll->cap) {
		size_t cap = ll->cap ? ll->cap : 256;
		while (cap < ll->len + n)
			cap *= 2;
		if (cap > LOGSINK_LINE_MAX)
			cap = LOGSINK_LINE_MAX;
		ll->buf = xrealloc(ll->buf, cap);
		ll->cap = cap;
	}
	memcpy(ll->buf + ll->len, p, n);
	ll->len += n;
}

void logsink_feed(struct logsink *ls, struct logline *ll, enum logsink_stream st,
    const char *data, size_t n, int64_t now_ms)
{
	const char *p = data, *end = data + n;
	int carried = 0;
	batch_begin(ls, st, now_ms);

	/* finish the line carried from the previous read; it goes out in the
	 * same batch as the lines after it (ll->buf is not written to again
	 * before the batch is) */
	if (ll->len > 0 && p < end) {
		size_t room = LOGSINK_LINE_MAX - ll->len;
		size_t avail = (size_t)(end - p);
		size_t look = avail < room + 1 ? avail : room + 1;
		const char *nl = memchr(p, '\n', look);
		if (nl) {
			line_store(ll, p, (size_t)(nl - p));
			emit_line(ls, ll->buf, ll->len);
			p = nl + 1;
		} else if (avail > room) {
			line_store(ll, p, room);
			emit_line(ls, ll->buf, ll->len);
			ls->lines_split++;
			p += room;
		} else {
			line_store(ll, p, avail);
			return;
		}
		carried = 1;
	}

	while (p < end) {
		size_t avail = (size_t)(end - p);
		size_t window = avail < LOGSINK_LINE_MAX + 1 ? avail : LOGSINK_LINE_MAX + 1;
		/* every line before the last newline of a window is short enough */
		const char *last = memrchr(p, '\n', window);
		if (last) {
			emit_span(ls, p, (size_t)(last - p) + 1);
			p = last + 1;
		} else if (avail > LOGSINK_LINE_MAX) {
			emit_line(ls, p, LOGSINK_LINE_MAX);
			ls->lines_split++;
			p += LOGSINK_LINE_MAX;
		} else {
			break;
		}
	}
	batch_flush(ls);
	if (carried)
		ll->len = 0;
	if (p < end)
		line_store(ll, p, (size_t)(end - p));
}

void logsink_eof(struct logsink *ls, struct logline *ll, enum logsink_stream st,
    int64_t now_ms)
{
	if (ll->len > 0) {
		batch_begin(ls, st, now_ms);
		emit_line(ls, ll->buf, ll->len);
		batch_flush(ls);
	}
	logline_free(ll);
}

void logline_free(struct logline *ll)
{
	free(ll->buf);
	ll->buf = NULL;
	ll->len = 0;
	ll->cap = 0;
}

void logline_trim(struct logline *ll)
{
	if (ll->len == 0)
		logline_free(ll);
}

void logsink_message(struct logsink *ls, enum logsink_stream st, const char *msg,
    int64_t now_ms)
{
	struct logline ll = { 0 };
	size_t n = strlen(msg);
	logsink_feed(ls, &ll, st, msg, n, now_ms);
	if (n == 0 || msg[n - 1] != '\n')
		logsink_eof(ls, &ll, st, now_ms);
	logline_free(&ll);
}

void logsink_trim(struct logsink *ls)
{
	free(ls->stage);
	ls->stage = NULL;
	ls->stage_len = 0;
	ls->stage_cap = 0;
}

int logsink_flush(struct logsink *ls, char **cause)
{
	int rc = 0;
	for (int i = 0; i < ls->nfiles; i++) {
		struct logfile *f = &ls->files[i];
		if (logfile_open(f, NULL) < 0 || (f->regular && ftruncate(f->fd, 0) < 0)) {
			if (rc == 0)
				fail(cause, "cannot empty %s: %s", f->path, strerror(errno));
			rc = -1;
			continue;
		}
		f->size = 0;
		f->torn = 0; /* a torn part went with the rest */
	}
	return rc;
}

int logsink_reopen(struct logsink *ls, char **cause)
{
	for (int i = 0; i < ls->nfiles; i++)
		logfile_close(&ls->files[i]);
	return logsink_open_files(ls, cause);
}

int logsink_rotate(struct logsink *ls, int file, char **cause)
{
	struct logfile *f = &ls->files[file];
	if (f->fd >= 0 && !f->regular)
		return 0;
	size_t plen = strlen(f->path) + 16;
	char *from = xmalloc(plen), *to = xmalloc(plen);
	int rc = 0;
	if (ls->retain <= 0) {
		if (unlink(f->path) < 0 && errno != ENOENT)
			rc = -1;
	} else {
		for (int i = ls->retain - 1; i >= 1; i--) {
			snprintf(from, plen, "%s.%d", f->path, i);
			snprintf(to, plen, "%s.%d", f->path, i + 1);
			if (rename(from, to) < 0 && errno != ENOENT) {
				rc = -1;
				break;
			}
		}
		/* what the file holds is on disk before its name says it is
		 * complete (as svlogd does); a failed fsync is noted, and the
		 * rotation goes on rather than stop the logging */
		if (rc == 0 && f->fd >= 0 && fsync(f->fd) < 0)
			note_error(ls, "cannot fsync", f->path, errno);
		snprintf(to, plen, "%s.1", f->path);
		if (rc == 0 && rename(f->path, to) < 0)
			rc = -1;
	}
	if (rc < 0) {
		int e = errno;
		note_error(ls, "cannot rotate", f->path, e);
		fail(cause, "cannot rotate %s: %s", f->path, strerror(e));
	}
	free(from);
	free(to);
	/* reopen either way: after a failed rename the file keeps growing and
	 * the next batch tries again */
	logfile_close(f);
	if (logfile_open(f, rc < 0 ? NULL : cause) < 0)
		rc = -1;
	return rc;
}
