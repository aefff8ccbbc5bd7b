/* The progress line parser: one flat JSON object, checked byte by byte and
 * never read past its length, so any input an app writes is safe; and its
 * writer, which cuts and cleans text as the parser would keep it. */
#include "progress.h"
#include "jsonesc.h"
#include "jsonlex.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

struct cur {
	const char *p, *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* Scans a JSON string starting at '"'. Copies up to cap-1 plain bytes into
 * key (enough to recognise the known keys; longer keys never match). */
static int scan_string(struct cur *c, char *key, size_t cap, size_t *klen)
{
	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	size_t n = 0;
	int truncated = 0;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"') {
			if (key) {
				key[n < cap ? n : cap - 1] = '\0';
				*klen = truncated ? cap : n;
			}
			return 0;
		}
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (c->p >= c->end)
				return -1;
			char e = *c->p++;
			switch (e) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				break;
			case 'u':
				if (c->end - c->p < 4 || jsonlex_hex4(c->p, &(unsigned){ 0 }) < 0)
					return -1;
				c->p += 4;
				break;
			default:
				return -1;
			}
			truncated = 1; /* an escaped key is never a known key */
			continue;
		}
		if (key) {
			if (n + 1 < cap)
				key[n++] = (char)ch;
			else
				truncated = 1;
		}
	}
	return -1;
}

/* The text being decoded into a buffer of cap bytes: characters are
 * added whole while they fit, the rest dropped. */
struct text {
	char *buf;
	size_t cap, len;
	int full;
};

static void text_add(struct text *t, unsigned cp)
{
	char u[4];
	size_t n = utf8_encode(cp < 0x20 || cp == 0x7f ? ' ' : cp, u);
	if (t->full || t->len + n >= t->cap) {
		t->full = 1;
		return;
	}
	memcpy(t->buf + t->len, u, n);
	t->len += n;
}

/* Decodes the JSON string at '"' into t: escapes resolved (a surrogate
 * pair joined, a lone surrogate U+FFFD), each control character a space.
 * -1 when it is not a string, or holds bytes that are not UTF-8. */
static int scan_text(struct cur *c, struct text *t)
{
	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '"') {
			c->p++;
			t->buf[t->len] = '\0';
			return 0;
		}
		if (ch < 0x20)
			return -1;
		if (ch != '\\') {
			unsigned cp;
			int n = utf8_decode((const unsigned char *)c->p, (size_t)(c->end - c->p), &cp);
			if (n < 0)
				return -1;
			text_add(t, cp);
			c->p += n;
			continue;
		}
		if (c->end - c->p < 2)
			return -1;
		char e = c->p[1];
		c->p += 2;
		static const char plain[] = "\"\\/bfnrt", as[] = "\"\\/\b\f\n\r\t";
		const char *k = e ? strchr(plain, e) : NULL;
		if (k) {
			text_add(t, (unsigned char)as[k - plain]);
			continue;
		}
		unsigned cp, lo;
		if (e != 'u' || c->end - c->p < 4 || jsonlex_hex4(c->p, &cp) < 0)
			return -1;
		c->p += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && c->end - c->p >= 6 && c->p[0] == '\\' &&
		    c->p[1] == 'u' && jsonlex_hex4(c->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			c->p += 6;
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;
		}
		text_add(t, cp);
	}
	return -1;
}

/* s as a reader keeps such text: into out (cap bytes, NUL-terminated),
 * ill-formed UTF-8 as U+FFFD, control characters as spaces, cut at a
 * character. Returns the length. */
static size_t text_clean(const char *s, char *out, size_t cap)
{
	struct text t = { out, cap, 0, 0 };
	size_t sl = strlen(s);
	for (size_t i = 0; i < sl && !t.full;) {
		unsigned cp;
		int k = utf8_decode((const unsigned char *)s + i, sl - i, &cp);
		if (k < 0) {
			cp = 0xfffd;
			k = -k;
		}
		text_add(&t, cp);
		i += (size_t)k;
	}
	out[t.len] = '\0';
	return t.len;
}

/* Scans a JSON number. When it is a non-negative integer that fits, *is_int
 * is set and *val holds it. */
static int scan_number(struct cur *c, int *is_int, long long *val)
{
	struct jsonlex_num n;
	if (jsonlex_number(&c->p, c->end, &n) < 0)
		return -1;
	*is_int = !n.neg && n.whole && !n.overflow;
	*val = n.value;
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
	size_t off;
} known[] = {
	{ "done", PROGRESS_HAVE_DONE, offsetof(struct progress, done) },
	{ "total", PROGRESS_HAVE_TOTAL, offsetof(struct progress, total) },
	{ "failed", PROGRESS_HAVE_FAILED, offsetof(struct progress, failed) },
	{ "inflight", PROGRESS_HAVE_INFLIGHT, offsetof(struct progress, inflight) },
};

static const char *const stat_names[PROGRESS_NSTAT] = {
	[PROGRESS_STAT_REQ_2XX] = "req_2xx", [PROGRESS_STAT_REQ_4XX] = "req_4xx",
	[PROGRESS_STAT_REQ_429] = "req_429", [PROGRESS_STAT_REQ_5XX] = "req_5xx",
	[PROGRESS_STAT_REQ_OTHER] = "req_other", [PROGRESS_STAT_RETRIES] = "retries",
	[PROGRESS_STAT_LAT_SUM_MS] = "lat_sum_ms", [PROGRESS_STAT_LAT_P50_MS] = "lat_p50_ms",
	[PROGRESS_STAT_LAT_P95_MS] = "lat_p95_ms", [PROGRESS_STAT_LAT_P99_MS] = "lat_p99_ms",
	[PROGRESS_STAT_TOKENS] = "tokens", [PROGRESS_STAT_TOKENS_IN] = "tokens_in",
	[PROGRESS_STAT_TOKENS_OUT] = "tokens_out", [PROGRESS_STAT_COST_UUSD] = "cost_uusd",
};

const char *progress_stat_name(int k)
{
	return k >= 0 && k < PROGRESS_NSTAT ? stat_names[k] : NULL;
}

static int stat_index(const char *key, size_t klen)
{
	for (int i = 0; i < PROGRESS_NSTAT; i++)
		if (klen == strlen(stat_names[i]) && memcmp(key, stat_names[i], klen) == 0)
			return i;
	return -1;
}

static int is_job_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-';
}

/* The "job" value: a string short and plain enough to compare and print. */
static int scan_job(struct cur *c, char job[PROGRESS_JOB_MAX])
{
	size_t n = 0;
	if (c->p >= c->end || *c->p != '"' ||
	    scan_string(c, job, PROGRESS_JOB_MAX, &n) < 0 || n == 0 || n >= PROGRESS_JOB_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!is_job_char(job[i]))
			return -1;
	return 0;
}

int progress_parse(const char *line, size_t len, struct progress *out)
{
	char halt[PROGRESS_HALT_MAX];
	return progress_parse_halt(line, len, out, halt);
}

int progress_parse_halt(const char *line, size_t len, struct progress *out,
    char halt[PROGRESS_HALT_MAX])
{
	struct progress p;
	memset(&p, 0, sizeof p);
	struct text t = { halt, PROGRESS_HALT_MAX, 0, 0 };
	halt[0] = '\0';
	struct cur c = { line, line + len };
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return -1;
	c.p++;
	skip_ws(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			char key[16];
			size_t klen = 0;
			skip_ws(&c);
			if (scan_string(&c, key, sizeof key, &klen) < 0)
				return -1;
			skip_ws(&c);
			if (c.p >= c.end || *c.p != ':')
				return -1;
			c.p++;
			skip_ws(&c);
			int k = -1;
			for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
				if (klen == strlen(known[i].name) && strcmp(key, known[i].name) == 0)
					k = (int)i;
			int st = k < 0 ? stat_index(key, klen) : -1;
			if (c.p >= c.end)
				return -1;
			char ch = *c.p;
			if (klen == 3 && strcmp(key, "job") == 0) {
				if (scan_job(&c, p.job) < 0)
					return -1;
				p.have |= PROGRESS_HAVE_JOB;
			} else if (klen == 4 && strcmp(key, "halt") == 0) {
				/* the last one counts, as in JSON.parse; null is none */
				t.len = 0;
				t.full = 0;
				halt[0] = '\0';
				if (ch == 'n' ? jsonlex_word(&c.p, c.end, "null") < 0 : scan_text(&c, &t) < 0)
					return -1;
			} else if (klen == 4 && strcmp(key, "note") == 0 && ch == '"') {
				struct text nt = { p.note, sizeof p.note, 0, 0 };
				if (scan_text(&c, &nt) < 0)
					return -1;
			} else if (ch == '"') {
				if (k >= 0 || scan_string(&c, NULL, 0, NULL) < 0)
					return -1;
			} else if (ch == '-' || (ch >= '0' && ch <= '9')) {
				int is_int;
				long long v;
				if (scan_number(&c, &is_int, &v) < 0)
					return -1;
				if (k >= 0) {
					if (!is_int)
						return -1;
					p.have |= known[k].bit;
					*(long long *)(void *)((char *)&p + known[k].off) = v;
				} else if (st >= 0 && is_int) {
					p.stat_have |= 1u << st;
					p.stat[st] = v;
				}
			} else if (jsonlex_word(&c.p, c.end, "true") == 0 ||
			    jsonlex_word(&c.p, c.end, "false") == 0 ||
			    jsonlex_word(&c.p, c.end, "null") == 0) {
				if (k >= 0)
					return -1;
			} else {
				return -1;
			}
			skip_ws(&c);
			if (c.p >= c.end)
				return -1;
			if (*c.p == ',') {
				c.p++;
				continue;
			}
			if (*c.p == '}') {
				c.p++;
				break;
			}
			return -1;
		}
	}
	skip_ws(&c);
	if (c.p != c.end)
		return -1;
	if (!(p.have & PROGRESS_HAVE_DONE))
		return -1;
	if (halt[0])
		p.have |= PROGRESS_HAVE_HALT;   /* "" and null halt nothing */
	*out = p;
	return 0;
}

/* Appends the stats present to buf's len bytes as JSON pairs ("key":v,
 * after an opening brace) or packed ones (key:v, from the start), comma
 * separated. Returns the new length, or -1 when they do not fit in cap. */
static int stats_add(const struct progress *p, char *buf, size_t len, size_t cap, int json)
{
	for (int i = 0; i < PROGRESS_NSTAT; i++) {
		if (!(p->stat_have & (1u << i)))
			continue;
		int r = snprintf(buf + len, cap - len, json ? "%s\"%s\":%lld" : "%s%s:%lld",
		    len > (json ? 1u : 0u) ? "," : "", stat_names[i], p->stat[i]);
		if (r < 0 || (size_t)r >= cap - len)
			return -1;
		len += (size_t)r;
	}
	return (int)len;
}

/* Copies len bytes of tmp into buf of n bytes, cut to fit and NUL-ended. */
static int copy_out(const char *tmp, size_t len, char *buf, size_t n)
{
	if (n > 0) {
		size_t c = len < n ? len : n - 1;
		memcpy(buf, tmp, c);
		buf[c] = '\0';
	}
	return (int)len;
}

int progress_format(const struct progress *p, char *buf, size_t n)
{
	char tmp[PROGRESS_LINE_MAX + 1];
	size_t len = 0;
	tmp[len++] = '{';
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (!(p->have & known[i].bit))
			continue;
		long long v = *(const long long *)(const void *)((const char *)p + known[i].off);
		int r = snprintf(tmp + len, sizeof tmp - len, "%s\"%s\":%lld",
		    len > 1 ? "," : "", known[i].name, v);
		if (r < 0)
			return -1;
		len += (size_t)r;
	}
	if (p->have & PROGRESS_HAVE_JOB) {
		int r = snprintf(tmp + len, sizeof tmp - len, "%s\"job\":\"%s\"",
		    len > 1 ? "," : "", p->job);
		if (r < 0 || (size_t)r >= sizeof tmp - len - 1)
			return -1;
		len += (size_t)r;
	}
	if (p->note[0]) {
		/* the writer's text may be anything: cleaned as the reader would */
		char note[PROGRESS_NOTE_MAX], esc[JSON_ESCAPED_MAX(PROGRESS_NOTE_MAX)];
		size_t el = json_escape(esc, note, text_clean(p->note, note, sizeof note));
		int r = snprintf(tmp + len, sizeof tmp - len, "%s\"note\":\"%.*s\"",
		    len > 1 ? "," : "", (int)el, esc);
		if (r < 0 || (size_t)r >= sizeof tmp - len - 1)
			return -1;
		len += (size_t)r;
	}
	int r = stats_add(p, tmp, len, sizeof tmp - 1, 1);
	if (r < 0)
		return -1;
	len = (size_t)r;
	tmp[len++] = '}';
	tmp[len] = '\0';
	return copy_out(tmp, len, buf, n);
}

int progress_stats_pack(const struct progress *p, char *buf, size_t n)
{
	char tmp[PROGRESS_STATS_MAX + 1];
	int r = stats_add(p, tmp, 0, sizeof tmp, 0);
	if (r < 0)
		return -1;
	return copy_out(tmp, (size_t)r, buf, n);
}

int progress_stats_unpack(const char *s, size_t len, struct progress *p)
{
	const char *end = s + len;
	p->stat_have = 0;
	memset(p->stat, 0, sizeof p->stat);
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *te = comma ? comma : end;
		const char *colon = memchr(s, ':', (size_t)(te - s));
		if (!colon || colon == s || colon + 1 == te || te - colon > 20)
			return -1;
		long long v = 0;
		for (const char *d = colon + 1; d < te; d++) {
			if (*d < '0' || *d > '9' || v > (0x7fffffffffffffffLL - (*d - '0')) / 10)
				return -1;
			v = v * 10 + (*d - '0');
		}
		int k = stat_index(s, (size_t)(colon - s));
		if (k >= 0) {
			p->stat[k] = v;
			p->stat_have |= 1u << k;
		}
		if (comma && comma + 1 == end)
			return -1;
		s = comma ? comma + 1 : end;
	}
	return 0;
}

int progress_halt_format(const char *text, char *buf, size_t n)
{
	/* cut where the reader would cut it, so what is sent is what shows */
	char cut[PROGRESS_HALT_MAX];
	size_t cl = text_clean(text, cut, sizeof cut);
	char tmp[16 + JSON_ESCAPED_MAX(PROGRESS_HALT_MAX)];
	size_t len = (size_t)snprintf(tmp, sizeof tmp, ",\"halt\":\"");
	len += json_escape(tmp + len, cut, cl);
	tmp[len++] = '"';
	return copy_out(tmp, len, buf, n);
}
