/* Live streams of psup web (see web_sse.h). */
#include "web_sse.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "web.h"
#include "web_logs.h"
#include "xalloc.h"

#define SSE_PING_MS 15000
#define SSE_LOG_READ_MAX (256 * 1024)   /* per stream and tick */

struct sse {
	struct web *w;
	struct MHD_Connection *conn;
	struct buf q;
	size_t off;
	int suspended, dropped;
	int64_t last;           /* monotonic ms of the last event queued */
	struct logtail *log;    /* NULL for the apps stream */
	struct sse *next;
};

static void sse_wake(struct sse *s)
{
	if (s->suspended) {
		s->suspended = 0;
		MHD_resume_connection(s->conn);
	}
}

/* Queues one event. A stream whose queue would pass the bound is dropped:
 * its queue goes, and its reader callback ends the response. */
static void sse_push(struct sse *s, const char *event, const char *data, size_t n)
{
	if (s->dropped)
		return;
	size_t need = n + (event ? strlen(event) : 0) + 16;
	if (s->q.len - s->off + need > WEB_SSE_QUEUE_MAX) {
		s->dropped = 1;
		s->w->sse_dropped++;
		buf_free(&s->q);
		s->off = 0;
		sse_wake(s);
		return;
	}
	if (event)
		buf_printf(&s->q, "event: %s\n", event);
	/* data holds no newline (JSON as printed), so it is one data line */
	buf_puts(&s->q, event ? "data: " : ": ");
	buf_add(&s->q, data, n);
	buf_puts(&s->q, "\n\n");
	s->last = clock_mono_ms();
	sse_wake(s);
}

static ssize_t sse_read_cb(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct sse *s = cls;
	if (s->dropped)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t have = s->q.len - s->off;
	if (have == 0) {
		/* Nothing to send: park the connection until sse_push(). */
		s->suspended = 1;
		MHD_suspend_connection(s->conn);
		return 0;
	}
	size_t n = have < max ? have : max;
	memcpy(out, s->q.p + s->off, n);
	s->off += n;
	if (s->off == s->q.len) {
		buf_clear(&s->q);
		s->off = 0;
	} else if (s->off > s->q.len / 2) {
		buf_consume(&s->q, s->off);
		s->off = 0;
	}
	return (ssize_t)n;
}

static void sse_free_cb(void *cls)
{
	struct sse *s = cls;
	struct sse **pp = &s->w->sse;
	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	s->w->n_sse--;
	if (s->log) {
		logtail_close(s->log);
		free(s->log);
	}
	buf_free(&s->q);
	free(s);
}

void sse_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static struct sse *sse_new(struct web *w, struct MHD_Connection *conn, struct MHD_Response **r)
{
	*r = NULL;
	if (w->n_sse >= WEB_SSE_MAX)
		return NULL;
	struct sse *s = xcalloc(1, sizeof *s);
	s->w = w;
	s->conn = conn;
	*r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read_cb, s, sse_free_cb);
	if (!*r) {
		free(s);
		return NULL;
	}
	sse_headers(*r);
	s->next = w->sse;
	w->sse = s;
	w->n_sse++;
	/* Tell EventSource to come back after 2 s when the stream ends. */
	buf_puts(&s->q, "retry: 2000\n\n");
	return s;
}

struct MHD_Response *sse_apps(struct web *w, struct MHD_Connection *conn)
{
	struct MHD_Response *r;
	struct sse *s = sse_new(w, conn, &r);
	if (!s)
		return r;
	struct buf b = {0};
	apps_full(&w->apps, &b);
	sse_push(s, "apps", b.p, b.len);
	buf_free(&b);
	web_list_soon(w);       /* the list may be an idle interval old */
	return r;
}

/* Sends the lines read (lines: JSON strings and commas) as one event. */
static void log_send(struct sse *s, struct buf *lines, int n, int first)
{
	if (n > 0 || first) {
		struct buf ev = {0};
		buf_addc(&ev, '[');
		buf_add(&ev, lines->p, lines->len);
		buf_addc(&ev, ']');
		sse_push(s, "lines", ev.p, ev.len);
		buf_free(&ev);
	}
	buf_free(lines);
}

struct MHD_Response *sse_log(struct web *w, struct MHD_Connection *conn, const char *path)
{
	struct MHD_Response *r;
	struct sse *s = sse_new(w, conn, &r);
	if (!s)
		return r;
	s->log = xcalloc(1, sizeof *s->log);
	struct buf lines = {0};
	int n = logtail_open(s->log, path, WEB_LOG_TAIL_BYTES, &lines);
	log_send(s, &lines, n, 1);
	return r;
}

void sse_broadcast(struct web *w, const char *event, const char *data, size_t n)
{
	for (struct sse *s = w->sse; s; s = s->next)
		if (!s->log)
			sse_push(s, event, data, n);
}

void sse_tick(struct web *w, int64_t now)
{
	for (struct sse *s = w->sse; s; s = s->next) {
		if (s->log) {
			struct buf lines = {0};
			int n = logtail_poll(s->log, SSE_LOG_READ_MAX, &lines);
			log_send(s, &lines, n, 0);
		}
		if (now - s->last >= SSE_PING_MS)
			sse_push(s, NULL, "ping", 4);
	}
}

void sse_drop_all(struct web *w)
{
	for (struct sse *s = w->sse; s; s = s->next) {
		s->dropped = 1;
		sse_wake(s);
	}
}
