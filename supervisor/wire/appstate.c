/* An app's live state as one line of space-separated key=value pairs: the
 * keeper's status file and its "status" pushes. Pure and libc-only. */
#include "appstate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *state_names[] = {
	[APP_LAUNCHING] = "launching",
	[APP_ONLINE] = "online",
	[APP_STOPPING] = "stopping",
	[APP_STOPPED] = "stopped",
	[APP_WAITING] = "waiting",
	[APP_ERRORED] = "errored",
	[APP_COMPLETED] = "completed",
};
#define N_STATES (sizeof state_names / sizeof state_names[0])

const char *app_state_name(enum app_state_kind k)
{
	if ((unsigned)k >= N_STATES)
		return "unknown";
	return state_names[k];
}

int app_state_parse(const char *name, enum app_state_kind *k)
{
	for (size_t i = 0; i < N_STATES; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*k = (enum app_state_kind)i;
			return 0;
		}
	return -1;
}

/* Output that counts what it would need, like snprintf. */
struct out {
	char *buf;
	size_t n, len;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len < o->n) {
		size_t room = o->n - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (r > 0)
		out_add(o, tmp, (size_t)r < sizeof tmp ? (size_t)r : sizeof tmp - 1);
}

/* " key=" and the string in a field of cap bytes (its end even without a
 * NUL), %-escaping every byte that could break the line or the key=value
 * split. */
static void out_str(struct out *o, const char *key, const char *s, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + strnlen(s, cap - 1);
	out_fmt(o, " %s=", key);
	for (; p < end; p++) {
		if (*p <= ' ' || *p == '%' || *p == '=' || *p >= 0x7f) {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			out_add(o, e, 3);
		} else {
			out_add(o, (const char *)p, 1);
		}
	}
}

int appstate_pack(const struct app_state *st, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };
	out_fmt(&o, "state=%s keeper_pid=%ld pid=%ld pgid=%ld started=%lld since=%lld"
	    " next_start=%lld restarts=%d unstable=%d",
	    app_state_name(st->state), (long)st->keeper_pid, (long)st->pid,
	    (long)st->pgid, (long long)st->started_ms, (long long)st->since_ms,
	    (long long)st->next_start_ms, st->restarts, st->unstable);
	int nex = st->n_exits < 0 ? 0 : st->n_exits > APPSTATE_EXITS ? APPSTATE_EXITS : st->n_exits;
	for (int i = 0; i < nex; i++) {
		const struct app_exit *e = &st->exits[i];
		out_fmt(&o, " exit=%lld,%d,%d,%lld", (long long)e->at_ms, e->code,
		    e->signal, (long long)e->runtime_ms);
	}
	if (st->reason[0])
		out_str(&o, "reason", st->reason, sizeof st->reason);
	if (st->has_progress) {
		const struct progress *p = &st->progress;
		out_fmt(&o, " progress=%u,%lld,%lld,%lld,%lld progress_at=%lld", p->have,
		    p->done, p->total, p->failed, p->inflight, (long long)st->progress_ms);
		if (p->have & PROGRESS_HAVE_JOB)
			out_str(&o, "progress_job", p->job, sizeof p->job);
		if (p->note[0])
			out_str(&o, "progress_note", p->note, sizeof p->note);
		char stats[PROGRESS_STATS_MAX + 1];
		if (p->stat_have && progress_stats_pack(p, stats, sizeof stats) > 0)
			out_str(&o, "progress_stats", stats, sizeof stats);
	}
	if (st->keeper_start || st->pgid_start)
		out_fmt(&o, " keeper_start=%llu pgid_start=%llu", st->keeper_start, st->pgid_start);
	out_fmt(&o, " progress_bad=%lld lines_dropped=%lld lines_split=%lld",
	    st->progress_bad, st->lines_dropped, st->lines_split);
	if (st->log_error[0])
		out_str(&o, "log_error", st->log_error, sizeof st->log_error);
	if (st->in_cgroup)
		out_fmt(&o, " cgroup=1");
	if (n > 0)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return (int)o.len;
}

static int num_ll(const char *s, size_t n, long long *out)
{
	char tmp[32];
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!(tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9')))
		return -1;
	char *end;
	errno = 0;
	long long x = strtoll(tmp, &end, 10);
	if (errno || *end)
		return -1;
	*out = x;
	return 0;
}

/* Parses n comma-separated integers exactly. */
static int num_list(const char *s, size_t len, long long *v, int n)
{
	const char *p = s, *end = s + len;
	for (int i = 0; i < n; i++) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		if ((c == NULL) != (i == n - 1))
			return -1;
		if (num_ll(p, (size_t)(e - p), &v[i]) < 0)
			return -1;
		p = e + 1;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

static int unescape_into(const char *s, size_t n, char *dst, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h << 4 | l);
			i += 2;
		}
		if (c == '\0')
			return -1;
		if (o + 1 < cap)
			dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

int appstate_unpack(const char *line, size_t len, struct app_state *st)
{
	memset(st, 0, sizeof *st);
	int have_state = 0;
	const char *p = line, *end = line + len;
	while (p < end) {
		if (*p == ' ') {
			p++;
			continue;
		}
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *te = sp ? sp : end;
		const char *eq = memchr(p, '=', (size_t)(te - p));
		if (!eq || eq == p)
			return -1;
		size_t kl = (size_t)(eq - p);
		const char *v = eq + 1;
		size_t vl = (size_t)(te - v);
		long long x;
		long long l[5];
#define KEY(k) (kl == sizeof(k) - 1 && memcmp(p, k, kl) == 0)
		if (KEY("state")) {
			char name[16];
			if (vl == 0 || vl >= sizeof name)
				return -1;
			memcpy(name, v, vl);
			name[vl] = '\0';
			if (app_state_parse(name, &st->state) < 0)
				return -1;
			have_state = 1;
		} else if (KEY("keeper_pid") || KEY("pid") || KEY("pgid")) {
			if (num_ll(v, vl, &x) < 0 || x < 0 || x > 0x7fffffff)
				return -1;
			if (KEY("keeper_pid"))
				st->keeper_pid = (pid_t)x;
			else if (KEY("pid"))
				st->pid = (pid_t)x;
			else
				st->pgid = (pid_t)x;
		} else if (KEY("started") || KEY("since") || KEY("next_start") ||
		    KEY("progress_at") || KEY("progress_bad") ||
		    KEY("lines_dropped") || KEY("lines_split")) {
			if (num_ll(v, vl, &x) < 0)
				return -1;
			if (KEY("started")) st->started_ms = x;
			else if (KEY("since")) st->since_ms = x;
			else if (KEY("next_start")) st->next_start_ms = x;
			else if (KEY("progress_at")) st->progress_ms = x;
			else if (KEY("progress_bad")) st->progress_bad = x;
			else if (KEY("lines_dropped")) st->lines_dropped = x;
			else st->lines_split = x;
		} else if (KEY("keeper_start") || KEY("pgid_start")) {
			if (num_ll(v, vl, &x) < 0 || x < 0)
				return -1;
			if (KEY("keeper_start"))
				st->keeper_start = (unsigned long long)x;
			else
				st->pgid_start = (unsigned long long)x;
		} else if (KEY("cgroup")) {
			if (vl != 1 || (v[0] != '0' && v[0] != '1'))
				return -1;
			st->in_cgroup = v[0] == '1';
		} else if (KEY("restarts") || KEY("unstable")) {
			if (num_ll(v, vl, &x) < 0 || x < 0 || x > 0x7fffffff)
				return -1;
			if (KEY("restarts"))
				st->restarts = (int)x;
			else
				st->unstable = (int)x;
		} else if (KEY("exit")) {
			if (num_list(v, vl, l, 4) < 0 || l[1] < -1 || l[1] > 255 ||
			    l[2] < 0 || l[2] > 128)
				return -1;
			if (st->n_exits < APPSTATE_EXITS) {
				struct app_exit *e = &st->exits[st->n_exits++];
				e->at_ms = l[0];
				e->code = (int)l[1];
				e->signal = (int)l[2];
				e->runtime_ms = l[3];
			}
		} else if (KEY("reason")) {
			if (unescape_into(v, vl, st->reason, sizeof st->reason) < 0)
				return -1;
		} else if (KEY("progress")) {
			if (num_list(v, vl, l, 5) < 0 || l[0] < 0 || l[0] > 0xffff)
				return -1;
			st->has_progress = 1;
			/* bits a newer keeper may add are skipped, as its keys are:
			 * a status it sends must not be lost whole for them */
			st->progress.have = (unsigned)l[0] & (PROGRESS_HAVE_DONE | PROGRESS_HAVE_TOTAL |
			    PROGRESS_HAVE_FAILED | PROGRESS_HAVE_INFLIGHT | PROGRESS_HAVE_JOB);
			st->progress.done = l[1];
			st->progress.total = l[2];
			st->progress.failed = l[3];
			st->progress.inflight = l[4];
		} else if (KEY("progress_job")) {
			if (unescape_into(v, vl, st->progress.job, sizeof st->progress.job) < 0)
				return -1;
		} else if (KEY("progress_note")) {
			if (unescape_into(v, vl, st->progress.note, sizeof st->progress.note) < 0)
				return -1;
		} else if (KEY("progress_stats")) {
			if (progress_stats_unpack(v, vl, &st->progress) < 0)
				return -1;
		} else if (KEY("log_error")) {
			if (unescape_into(v, vl, st->log_error, sizeof st->log_error) < 0)
				return -1;
		}
		/* other keys: a newer keeper; skipped */
#undef KEY
		p = te;
	}
	return have_state ? 0 : -1;
}
