/* Body templates compiled once into literal and field segments, rendered per
 * item from the item's own JSON text (jsonraw.h): a field's value goes in as
 * the item wrote it, so nothing in a string is changed or cut. */
#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonesc.h"
#include "jsonraw.h"
#include "xalloc.h"

struct segment {
	char *literal;           /* text to copy, or NULL for a field */
	char **path;             /* field names after "item" (n_path may be 0) */
	int n_path;
	int in_string;           /* inside a JSON string of the template: the
	                          * value goes in as string content */
	char *source;            /* the placeholder as written, for messages */
};

struct template {
	struct segment *segs;
	int n_segs;
};

static struct segment *seg_new(struct template *t)
{
	t->segs = xreallocarray(t->segs, (size_t)t->n_segs + 1, sizeof *t->segs);
	struct segment *s = &t->segs[t->n_segs++];
	memset(s, 0, sizeof *s);
	return s;
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Parses the inside of {{ }} ("item", "item.a.b") into seg. */
static int placeholder_parse(const char *in, size_t n, struct segment *seg)
{
	while (n && is_space(*in)) {
		in++;
		n--;
	}
	while (n && is_space(in[n - 1]))
		n--;
	if (n < 4 || strncmp(in, "item", 4) != 0)
		return -1;
	in += 4;
	n -= 4;
	while (n) {
		if (*in != '.')
			return -1;
		in++;
		n--;
		size_t k = 0;
		while (k < n && in[k] != '.')
			k++;
		if (k == 0)
			return -1;
		for (size_t i = 0; i < k; i++)
			if (is_space(in[i]) || in[i] == '{' || in[i] == '}')
				return -1;
		seg->path = xreallocarray(seg->path, (size_t)seg->n_path + 1, sizeof *seg->path);
		seg->path[seg->n_path++] = xstrndup(in, k);
		in += k;
		n -= k;
	}
	return 0;
}

/* Follows the template's JSON strings over literal text: whether what
 * comes after s[0..n) is inside one, given whether s began inside one. A
 * backslash escapes the next byte of the same literal. */
static int string_state(const char *s, size_t n, int in_string)
{
	for (size_t i = 0; i < n; i++) {
		if (in_string && s[i] == '\\')
			i++;
		else if (s[i] == '"')
			in_string = !in_string;
	}
	return in_string;
}

int template_compile(const char *text, struct template **out, char **cause)
{
	struct template *t = xcalloc(1, sizeof *t);
	const char *p = text;
	int in_string = 0;
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			seg_new(t)->literal = xstrdup(p);
			break;
		}
		if (open > p)
			seg_new(t)->literal = xstrndup(p, (size_t)(open - p));
		in_string = string_state(p, (size_t)(open - p), in_string);
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			fail(cause, "unclosed \"{{\" at offset %ld", (long)(open - text));
			template_free(t);
			return -1;
		}
		struct segment *seg = seg_new(t);
		seg->source = xstrndup(open, (size_t)(close + 2 - open));
		seg->in_string = in_string;
		if (placeholder_parse(open + 2, (size_t)(close - open - 2), seg) < 0) {
			fail(cause, "bad placeholder %s at offset %ld: expected {{item}} or {{item.field}}",
			    seg->source, (long)(open - text));
			template_free(t);
			return -1;
		}
		p = close + 2;
	}
	*out = t;
	return 0;
}

void template_free(struct template *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n_segs; i++) {
		struct segment *s = &t->segs[i];
		free(s->literal);
		for (int j = 0; j < s->n_path; j++)
			free(s->path[j]);
		free(s->path);
		free(s->source);
	}
	free(t->segs);
	free(t);
}

int template_render(const struct template *t, const char *item, size_t item_len, char **out,
    size_t *len, char **cause)
{
	struct buf b = { 0 };
	struct jsonraw whole;
	if (jsonraw_value(item, item_len, &whole) < 0)
		return fail(cause, "the item is not valid JSON");
	for (int i = 0; i < t->n_segs; i++) {
		const struct segment *s = &t->segs[i];
		if (s->literal) {
			buf_add(&b, s->literal, strlen(s->literal));
			continue;
		}
		struct jsonraw v = whole;
		for (int j = 0; j < s->n_path; j++) {
			int rc = jsonraw_member(v, s->path[j], strlen(s->path[j]), &v);
			if (rc < 0) {
				buf_free(&b);
				return fail(cause, "%s: item%s%s is not an object", s->source,
				    j ? "." : "", j ? s->path[j - 1] : "");
			}
			if (rc == 0) {
				buf_free(&b);
				return fail(cause, "%s: item has no field \"%s\"", s->source, s->path[j]);
			}
		}
		/* The value's own text: every string byte as the item has it.
		 * Inside a string of the template ("Define: {{item.word}}"), a
		 * string goes in without its quotes (its escapes are already
		 * JSON's), anything else as its JSON text escaped. */
		size_t n;
		char *enc = jsonraw_compact(v, &n);
		if (!s->in_string) {
			buf_add(&b, enc, n);
		} else if (n >= 2 && enc[0] == '"') {
			buf_add(&b, enc + 1, n - 2);
		} else {
			buf_reserve(&b, JSON_ESCAPED_MAX(n));
			b.len += json_escape(b.p + b.len, enc, n);
			b.p[b.len] = '\0';
		}
		free(enc);
	}
	*out = buf_take(&b, len);
	return 0;
}

int template_is_placeholder(const char *s)
{
	size_t n = strlen(s);
	if (n < 4 || strncmp(s, "{{", 2) != 0 || strcmp(s + n - 2, "}}") != 0)
		return 0;
	struct segment seg = { 0 };
	const char *inner = s + 2;
	size_t len = n - 4;
	int one = !memmem(inner, len, "{{", 2) && !memmem(inner, len, "}}", 2) &&
	    placeholder_parse(inner, len, &seg) == 0;
	for (int i = 0; i < seg.n_path; i++)
		free(seg.path[i]);
	free(seg.path);
	return one;
}

static int name_char(char c, int first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (!first && c >= '0' && c <= '9');
}

int template_expand_env(const char *text, const char *what, char **out, char **cause)
{
	struct buf b = { 0 };
	const char *p = text;
	while (*p) {
		const char *d = strstr(p, "${");
		if (!d) {
			buf_add(&b, p, strlen(p));
			break;
		}
		buf_add(&b, p, (size_t)(d - p));
		const char *name = d + 2, *e = name;
		while (name_char(*e, e == name))
			e++;
		if (e == name || *e != '}') {
			buf_free(&b);
			return fail(cause, "%s: bad variable reference at offset %ld: expected ${NAME}",
			    what, (long)(d - text));
		}
		char *var = xstrndup(name, (size_t)(e - name));
		const char *val = getenv(var);
		if (!val) {
			fail(cause, "%s: environment variable %s is not set", what, var);
			free(var);
			buf_free(&b);
			return -1;
		}
		free(var);
		buf_add(&b, val, strlen(val));
		p = e + 1;
	}
	*out = buf_take(&b, NULL);
	return 0;
}
