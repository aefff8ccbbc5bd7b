/* `psup logs [NAME] [--lines N] [--nostream] [--err|--out] [--raw]
 * [--timestamp[=FORMAT]] [--json|--format]`: reads the log files the daemon
 * names (log_files in list/describe) directly, prints the last N lines of
 * each with a "NAME | " prefix as pm2 does, then follows them with inotify
 * (--raw drops the prefix; --timestamp stamps each line followed with the
 * time it was read; --json writes pm2's JSON object per line, --format its
 * "timestamp=… app=… id=… type=… message=…" line; --highlight marks a
 * text in colour): no polling,
 * and across rotation (the file renamed and a new one created) and
 * truncation (flush). */
#include "cli_logs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_client.h"
#include "clock.h"
#include "dayjs.h"
#include "jsonesc.h"
#include "xalloc.h"

#define LOG_CHUNK 65536
#define LINE_MAX_KEEP 65536 /* a partial line longer than this is printed as is */

int cli_tail_offset(int fd, off_t size, int n, off_t *start)
{
	char buf[LOG_CHUNK];
	off_t end = size;
	int count = 0;
	*start = size;
	if (n <= 0 || size == 0)
		return 0;
	while (end > 0) {
		off_t from = end > LOG_CHUNK ? end - LOG_CHUNK : 0;
		ssize_t r = pread(fd, buf, (size_t)(end - from), from);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		for (ssize_t i = r - 1; i >= 0; i--) {
			off_t at = from + i;
			/* The newline ending the file ends the last line,
			 * it does not start one. */
			if (buf[i] != '\n' || at == size - 1)
				continue;
			if (++count == n) {
				*start = at + 1;
				return 0;
			}
		}
		end = from;
	}
	*start = 0;
	return 0;
}

size_t cli_prefix_lines(struct buf *out, const char *prefix, const char *mark,
    const char *data, size_t len)
{
	size_t off = 0, mlen = mark ? strlen(mark) : 0;
	for (;;) {
		const char *nl = memchr(data + off, '\n', len - off);
		if (!nl)
			return off;
		buf_puts(out, prefix);
		const char *p = data + off, *m;
		while (mlen && (m = memmem(p, (size_t)(nl - p), mark, mlen))) {
			buf_add(out, p, (size_t)(m - p));
			buf_puts(out, CLI_C_MARK);
			buf_add(out, m, mlen);
			buf_puts(out, CLI_C_MARK_END);
			p = m + mlen;
		}
		buf_add(out, p, (size_t)(nl - p) + 1);
		off = (size_t)(nl - data) + 1;
	}
}

size_t cli_json_lines(struct buf *out, const struct cli_log_src *src, const char *data,
    size_t len)
{
	size_t off = 0, alen = strlen(src->app), slen = strlen(src->stamp);
	for (;;) {
		const char *nl = memchr(data + off, '\n', len - off);
		if (!nl)
			return off;
		size_t n = (size_t)(nl - data) - off;
		if (n && data[off + n - 1] == '\r')
			n--;
		buf_reserve(out, JSON_ESCAPED_MAX(n + alen + slen) + 128);
		buf_puts(out, "{\"message\":\"");
		out->len += json_escape(out->p + out->len, data + off, n);
		buf_puts(out, "\",\"timestamp\":\"");
		out->len += json_escape(out->p + out->len, src->stamp, slen);
		buf_printf(out, "\",\"type\":\"%s\",\"process_id\":%ld,\"app_name\":\"",
		    src->err ? "err" : "out", src->id);
		out->len += json_escape(out->p + out->len, src->app, alen);
		buf_puts(out, "\"}\n");
		off = (size_t)(nl - data) + 1;
	}
}

struct lf {
	char *path, *dir, *base;
	char *prefix;
	struct cli_log_src src;   /* --json: app, id, stream */
	int fd, wd, dwd;
	int awd;              /* nearest existing ancestor while dir is missing */
	dev_t dev;
	ino_t ino;
	off_t off;
	struct buf part;  /* a line still being written */
};

struct logs {
	struct lf *f;
	int n;
	int lines, follow, out_only, err_only, raw;
	int json, lines_given;    /* --json: as pm2's, no last lines unless --lines */
	int format;               /* --format: pm2's key=value lines, likewise */
	const char *stamp;    /* --timestamp's day.js format, or NULL */
	const char *mark;     /* --highlight's text, or NULL */
	int following;        /* past the last lines: what comes now is stamped */
	int color;
	int ifd;
	struct buf out;
};

static void lf_add(struct logs *l, const char *app, long id, size_t namew, const char *path,
    int err)
{
	struct lf *f;
	l->f = xreallocarray(l->f, (size_t)l->n + 1, sizeof *l->f);
	f = &l->f[l->n++];
	memset(f, 0, sizeof *f);
	f->src.app = xstrdup(app);
	f->src.id = id;
	f->src.err = err;
	f->path = xstrdup(path);
	char *slash = strrchr(f->path, '/');
	f->dir = slash && slash != f->path ? xstrndup(f->path, (size_t)(slash - f->path))
	    : xstrdup(slash ? "/" : ".");
	f->base = xstrdup(slash ? slash + 1 : f->path);
	struct buf p = { 0 };
	buf_puts(&p, ""); /* --raw: an empty prefix */
	f->fd = f->wd = f->dwd = f->awd = -1;
	if (l->raw) {
		f->prefix = p.p;
		return;
	}
	if (l->color)
		buf_puts(&p, err ? CLI_C_RED : CLI_C_GREEN);
	cli_buf_pad(&p, app, namew);
	buf_puts(&p, " |");
	if (l->color)
		buf_puts(&p, CLI_C_RESET);
	buf_puts(&p, " ");
	f->prefix = p.p;
}

static void lf_free(struct lf *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->dir);
	free(f->base);
	free(f->prefix);
	free((char *)f->src.app);
	buf_free(&f->part);
}

/* The prefix of f's lines read now: its own, after the time when they are
 * stamped (made in tmp). */
static const char *lf_prefix(struct logs *l, struct lf *f, struct buf *tmp)
{
	if (!l->stamp || !l->following || l->raw)
		return f->prefix;
	int64_t ms = clock_real_ms();
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char ts[128];
	localtime_r(&secs, &tm);
	size_t n = dayjs_format(l->stamp, &tm, (int)(ms % 1000), ts, sizeof ts);
	buf_clear(tmp);
	if (l->color)
		buf_puts(tmp, CLI_C_GREY);
	buf_add(tmp, ts, n);
	buf_puts(tmp, l->color ? CLI_C_RESET " " : " ");
	buf_puts(tmp, f->prefix);
	return tmp->p;
}

/* Appends the whole lines of f's data[0..len) to the output, each with
 * its prefix or as a JSON object; returns the bytes used. */
static size_t lf_lines(struct logs *l, struct lf *f, const char *data, size_t len)
{
	struct buf tmp = { 0 };
	size_t used;
	if (l->format) {
		/* the time it was read as pm2 writes it there, then the app */
		int64_t ms = clock_real_ms();
		time_t secs = (time_t)(ms / 1000);
		struct tm tm;
		char ts[64];
		localtime_r(&secs, &tm);
		size_t n = dayjs_format("YYYY-MM-DD-HH:mm:ssZZ", &tm, (int)(ms % 1000), ts, sizeof ts);
		buf_printf(&tmp, "timestamp=%.*s app=%s id=%ld type=%s message=", (int)n, ts,
		    f->src.app, f->src.id, f->src.err ? "error" : "out");
		used = cli_prefix_lines(&l->out, tmp.p, l->color ? l->mark : NULL, data, len);
	} else if (l->json) {
		/* the time it was read, ISO 8601 in UTC, as pm2's */
		int64_t ms = clock_real_ms();
		time_t secs = (time_t)(ms / 1000);
		struct tm tm;
		char ts[40];
		gmtime_r(&secs, &tm);
		size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ts + n, sizeof ts - n, ".%03dZ", (int)(ms % 1000));
		f->src.stamp = ts;
		used = cli_json_lines(&l->out, &f->src, data, len);
		f->src.stamp = NULL;
	} else {
		used = cli_prefix_lines(&l->out, lf_prefix(l, f, &tmp), l->color ? l->mark : NULL,
		    data, len);
	}
	buf_free(&tmp);
	return used;
}

/* Prints a kept partial line (at rotation, or at the end of --nostream). */
static void lf_flush_part(struct logs *l, struct lf *f)
{
	if (!f->part.len)
		return;
	buf_addc(&f->part, '\n');
	lf_lines(l, f, f->part.p, f->part.len);
	buf_clear(&f->part);
}

/* Writes the output held so far; blocks while the reader is slow. Returns
 * -1 when it cannot (the reader went away). */
static int logs_write(struct logs *l)
{
	if (!l->out.len)
		return 0;
	int rc = cli_buf_write(&l->out, STDOUT_FILENO);
	buf_clear(&l->out);
	return rc;
}

/* Reads f from its offset to the end of the file, printing whole lines.
 * Output is written as it is made, so memory stays bounded whatever the
 * file's size and the reader's speed (a slow reader slows the reading).
 * Returns -1 when the output cannot be written. */
static int lf_drain(struct logs *l, struct lf *f)
{
	struct stat st;
	char buf[LOG_CHUNK];
	if (f->fd < 0)
		return 0;
	if (fstat(f->fd, &st) == 0 && st.st_size < f->off) {
		/* Truncated (psup flush): start over. */
		f->off = 0;
		buf_clear(&f->part);
	}
	for (;;) {
		ssize_t r = pread(f->fd, buf, sizeof buf, f->off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		f->off += r;
		buf_add(&f->part, buf, (size_t)r);
		buf_consume(&f->part, lf_lines(l, f, f->part.p, f->part.len));
		if (f->part.len > LINE_MAX_KEEP)
			lf_flush_part(l, f);
		if (l->out.len >= LOG_CHUNK && logs_write(l) < 0)
			return -1;
	}
}

/* Opens path from its start (follow) or at its last l->lines lines. */
static int lf_open(struct logs *l, struct lf *f, int tail)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = 0;
	if (tail && cli_tail_offset(fd, st.st_size, l->lines, &f->off) < 0)
		f->off = st.st_size;
	if (l->ifd >= 0)
		f->wd = inotify_add_watch(l->ifd, f->path, IN_MODIFY | IN_ATTRIB
		    | IN_MOVE_SELF | IN_DELETE_SELF | IN_CLOSE_WRITE);
	return 0;
}

/* Watches f's directory for the file's (re)creation. While the directory
 * does not exist yet (no app has logged), the nearest existing ancestor is
 * watched instead, and this is called again when something appears there. */
static void lf_watch_dir(struct logs *l, struct lf *f)
{
	if (l->ifd < 0 || f->dwd >= 0)
		return;
	/* A folder may appear between a failed watch and the watch on its
	 * parent: then its creation event is missed, so look again. */
	for (int tries = 0; tries < 64; tries++) {
		f->dwd = inotify_add_watch(l->ifd, f->dir, IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE);
		if (f->awd >= 0) {
			inotify_rm_watch(l->ifd, f->awd);
			f->awd = -1;
		}
		if (f->dwd >= 0)
			return;
		char *a = xstrdup(f->dir);
		size_t alen = 0;
		for (;;) {
			char *slash = strrchr(a, '/');
			if (!slash)
				break;
			*(slash == a ? slash + 1 : slash) = '\0';
			alen = strlen(a);
			f->awd = inotify_add_watch(l->ifd, a, IN_CREATE | IN_MOVED_TO);
			if (f->awd >= 0 || slash == a)
				break;
		}
		free(a);
		if (f->awd < 0)
			return;
		/* The component below the watched ancestor: still missing? */
		char *child = xstrdup(f->dir);
		char *next = strchr(child + alen + (child[alen] == '/'), '/');
		if (next)
			*next = '\0';
		struct stat st;
		int there = stat(child, &st) == 0;
		free(child);
		if (!there)
			return;
	}
}

/* After any event about f: drain what the open file has, then switch to a
 * new file at the path if the old one was renamed or replaced. Returns -1
 * when the output cannot be written. */
static int lf_check(struct logs *l, struct lf *f)
{
	struct stat st;
	if (lf_drain(l, f) < 0)
		return -1;
	if (stat(f->path, &st) < 0)
		return 0; /* renamed away, not yet recreated: keep the old one */
	if (f->fd >= 0 && st.st_dev == f->dev && st.st_ino == f->ino)
		return 0;
	if (f->fd >= 0) {
		lf_flush_part(l, f);
		close(f->fd);
		f->fd = -1;
		if (f->wd >= 0)
			inotify_rm_watch(l->ifd, f->wd);
		f->wd = -1;
	}
	return lf_open(l, f, 0) == 0 ? lf_drain(l, f) : 0;
}

static int logs_follow(struct logs *l)
{
	char buf[64 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	char *mark = xcalloc((size_t)l->n, 1);
	for (;;) {
		ssize_t r = read(l->ifd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(mark);
			return cli_error(CLI_FAIL, "logs: inotify read: %s", r < 0 ? strerror(errno) : "EOF");
		}
		memset(mark, 0, (size_t)l->n);
		for (char *p = buf; p < buf + r; ) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			for (int i = 0; i < l->n; i++) {
				struct lf *f = &l->f[i];
				if (ev->wd == f->wd)
					mark[i] = 1;
				else if (ev->wd == f->dwd && ev->len && strcmp(ev->name, f->base) == 0)
					mark[i] = 1;
				else if (ev->wd == f->awd)
					mark[i] = 2;
			}
		}
		int gone = 0;
		for (int i = 0; i < l->n && !gone; i++) {
			if (mark[i] == 2)
				lf_watch_dir(l, &l->f[i]);
			if (mark[i] && lf_check(l, &l->f[i]) < 0)
				gone = 1;
		}
		if (gone || logs_write(l) < 0) {
			free(mark);
			return CLI_OK; /* the reader went away (| head) */
		}
	}
}

static int logs_opt_cb(struct cli_args *a, int i, void *ctx)
{
	/* the flags: a word (or its other spelling) sets a member to a value */
	static const struct { const char *word, *alt; size_t member; int value; } flags[] = {
		{ "--nostream", "--no-stream", offsetof(struct logs, follow), 0 },
		{ "--follow", "-f", offsetof(struct logs, follow), 1 },
		{ "--raw", NULL, offsetof(struct logs, raw), 1 },
		{ "--json", NULL, offsetof(struct logs, json), 1 },
		{ "--format", NULL, offsetof(struct logs, format), 1 },
		{ "--err", "--error", offsetof(struct logs, err_only), 1 },
		{ "--out", "--output", offsetof(struct logs, out_only), 1 },
	};
	struct logs *l = ctx;
	const char *w = a->argv[i], *v;
	for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
		if (strcmp(w, flags[k].word) == 0 || (flags[k].alt && strcmp(w, flags[k].alt) == 0)) {
			*(int *)(void *)((char *)l + flags[k].member) = flags[k].value;
			return 1;
		}
	/* its format only with "=": a bare word after it is the app */
	if (strcmp(w, "--timestamp") == 0) {
		l->stamp = "YYYY-MM-DD-HH:mm:ss";
		return 1;
	}
	if (strncmp(w, "--timestamp=", 12) == 0) {
		if (!w[12]) {
			cli_usage_error(a, "logs: --timestamp= wants a format (day.js tokens)");
			return -1;
		}
		l->stamp = w + 12;
		return 1;
	}
	if (strncmp(w, "--highlight", 11) == 0 && (w[11] == '\0' || w[11] == '='))
		return cli_opt_value(a, i, "--highlight", &l->mark);
	if (strncmp(w, "--lines", 7) == 0 && (w[7] == '\0' || w[7] == '=')) {
		int used = cli_opt_value(a, i, "--lines", &v);
		if (used < 0)
			return -1;
		l->lines_given = 1;
		if (cli_parse_uint(v, &l->lines) < 0) {
			cli_usage_error(a, "logs: --lines wants a number, not '%s'", v);
			return -1;
		}
		return used;
	}
	return 0;
}

/* Collects the files of the apps in the reply, out then error per app. */
static void logs_collect(struct logs *l, const cJSON *apps)
{
	size_t namew = 0;
	const cJSON *app;
	cJSON_ArrayForEach(app, apps) {
		size_t w = cli_width(cli_json_str(app, "name", "?"));
		namew = w > namew ? w : namew;
	}
	cJSON_ArrayForEach(app, apps) {
		const cJSON *files = cJSON_GetObjectItemCaseSensitive(app, "log_files");
		const char *name = cli_json_str(app, "name", "?");
		long id = (long)cli_json_num(app, "id", -1);
		const char *out = cli_json_str(files, "out", NULL);
		const char *err = cli_json_str(files, "error", NULL);
		if (out && !l->err_only)
			lf_add(l, name, id, namew, out, 0);
		if (err && !l->out_only)
			lf_add(l, name, id, namew, err, 1);
	}
}

int cli_cmd_logs(struct cli_args *a)
{
	struct logs l = { .lines = 15, .follow = 1, .ifd = -1 };
	char *pos[1];
	int n = cli_split(a, pos, 1, logs_opt_cb, &l);
	if (n < 0)
		return CLI_USAGE;
	if (l.err_only && l.out_only)
		return cli_usage_error(a, "logs: --err and --out exclude each other");
	if (l.json && l.format)
		return cli_usage_error(a, "logs: --json and --format exclude each other");
	if ((l.json || l.format) && !l.lines_given)
		l.lines = 0;
	cJSON *reply;
	const cJSON *apps;
	int rc = cli_call_apps(n ? pos[0] : NULL, &reply, &apps);
	if (rc != CLI_OK)
		return rc;
	l.color = cli_use_color(stdout);
	logs_collect(&l, apps);
	cJSON_Delete(reply);
	if (l.n == 0)
		return cli_error(CLI_FAIL, "logs: no log files to show%s", n ? "" : " (no apps)");

	if (l.follow) {
		l.ifd = inotify_init1(IN_CLOEXEC);
		if (l.ifd < 0)
			return cli_error(CLI_FAIL, "logs: inotify: %s", strerror(errno));
	}
	int tty = isatty(STDOUT_FILENO);
	fflush(stdout);
	for (int i = 0; i < l.n && rc == CLI_OK; i++) {
		struct lf *f = &l.f[i];
		lf_watch_dir(&l, f);
		if (lf_open(&l, f, 1) < 0 && errno != ENOENT)
			fprintf(stderr, "psup: logs: %s: %s\n", f->path, strerror(errno));
		if (tty && l.lines > 0 && !l.json && !l.format)
			buf_printf(&l.out, "%s%s last %d lines:%s\n", l.color ? CLI_C_GREY : "",
			    f->path, l.lines, l.color ? CLI_C_RESET : "");
		if (lf_drain(&l, f) < 0)
			rc = CLI_FAIL;
		else if (!l.follow)
			lf_flush_part(&l, f);
	}
	if (rc == CLI_OK && logs_write(&l) < 0)
		rc = CLI_FAIL;
	l.following = 1;
	if (rc == CLI_OK && l.follow)
		rc = logs_follow(&l);
	for (int i = 0; i < l.n; i++)
		lf_free(&l.f[i]);
	free(l.f);
	buf_free(&l.out);
	if (l.ifd >= 0)
		close(l.ifd);
	return rc;
}
