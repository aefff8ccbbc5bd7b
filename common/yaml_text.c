/* Word splitting, typo suggestions and {instance} substitution for
 * config values. */
#include "yaml_text.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

struct words {
	char **v;
	int n, cap;
	struct buf cur;          /* the word being read */
	int open;                /* a word has started (even if empty: "") */
};

static void putch(struct words *w, char c)
{
	buf_addc(&w->cur, c);
	w->open = 1;
}

static void endword(struct words *w)
{
	if (!w->open)
		return;
	if (w->n + 2 > w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->v = xreallocarray(w->v, (size_t)w->cap, sizeof *w->v);
	}
	w->v[w->n++] = xstrndup(w->cur.len ? w->cur.p : "", w->cur.len);
	w->v[w->n] = NULL;
	buf_clear(&w->cur);
	w->open = 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char **ytext_split(const char *s, int shell, int *count, const char **why)
{
	struct words w = { 0 };
	const char *p = s;

	while (*p) {
		char c = *p;
		if (is_space(c)) {
			endword(&w);
			p++;
		} else if (shell && c == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (!q)
				goto unterminated;
			w.open = 1;
			for (p++; p < q; p++)
				putch(&w, *p);
			p++;
		} else if (shell && c == '"') {
			w.open = 1;
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				putch(&w, *p);
			}
			if (!*p)
				goto unterminated;
			p++;
		} else if (shell && c == '\\') {
			if (!p[1]) {
				*why = "trailing backslash";
				goto fail;
			}
			putch(&w, p[1]);
			p += 2;
		} else {
			putch(&w, c);
			p++;
		}
	}
	endword(&w);
	buf_free(&w.cur);
	if (!w.v)
		w.v = xcalloc(1, sizeof *w.v);
	*count = w.n;
	return w.v;

unterminated:
	*why = "unterminated quote";
fail:
	buf_free(&w.cur);
	strv_free(w.v);
	return NULL;
}

/* Optimal string alignment distance, capped: words of config keys are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *ytext_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	/* a short word tolerates one edit, a longer one two: "tiem" -> "time",
	 * "autorestrat" -> "autorestart", but "foo" suggests nothing */
	size_t limit = len < 4 ? 0 : len < 7 ? 1 : 2;
	const char *best = NULL;
	size_t bestd = limit + 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}

char *ytext_subst_instance(const char *s, int instance)
{
	static const char pat[] = "{instance}";
	const size_t plen = sizeof pat - 1;
	struct buf out = { 0 };
	buf_reserve(&out, strlen(s));
	for (const char *p = s; *p;) {
		const char *at = strstr(p, pat);
		size_t l = at ? (size_t)(at - p) : strlen(p);
		buf_add(&out, p, l);
		p += l;
		if (at) {
			buf_printf(&out, "%d", instance < 0 ? 0 : instance);
			p += plen;
		}
	}
	return buf_take(&out, NULL);
}
