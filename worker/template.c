/* Body templates compiled once into literal and field segments, rendered per
 * item from the item's own JSON text (jsonraw.h): a field's value goes in as
 * the item wrote it, so nothing in a string is changed or cut. */
#include "template.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "jsonesc.h"
#include "jsonlex.h"
#include "jsonraw.h"
#include "xalloc.h"

/* What a placeholder's "| filter" makes of the value: a spreadsheet's
 * cells are all strings, and an API wants some of them as numbers. */
enum filter { FILTER_NONE, FILTER_NUMBER, FILTER_JSON, FILTER_STRING };
static const char *const filter_names[] = { "", "number", "json", "string" };

struct segment {
	char *literal;           /* text to copy, or NULL for a field */
	char **path;             /* field names after "item" (n_path may be 0) */
	int n_path;
	int in_string;           /* inside a JSON string of the template: the
	                          * value goes in as string content */
	enum filter filter;
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

/* Parses the inside of {{ }} ("item", "item.a.b", "item.a | number")
 * into seg. Returns 0; -1 when it is not a placeholder; -2 when its filter
 * is unknown. */
static int placeholder_parse(const char *in, size_t n, struct segment *seg)
{
	const char *bar = memchr(in, '|', n);
	if (bar) {
		const char *f = bar + 1, *fe = in + n;
		while (f < fe && is_space(*f))
			f++;
		while (fe > f && is_space(fe[-1]))
			fe--;
		seg->filter = FILTER_NONE;
		for (int i = FILTER_NUMBER; i <= FILTER_STRING; i++)
			if ((size_t)(fe - f) == strlen(filter_names[i]) &&
			    memcmp(f, filter_names[i], (size_t)(fe - f)) == 0)
				seg->filter = (enum filter)i;
		if (seg->filter == FILTER_NONE)
			return -2;
		n = (size_t)(bar - in);
	}
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
		int rc = placeholder_parse(open + 2, (size_t)(close - open - 2), seg);
		if (rc == -2)
			fail(cause, "unknown filter in %s at offset %ld: expected | number, | json "
			    "or | string", seg->source, (long)(open - text));
		else if (rc < 0)
			fail(cause, "bad placeholder %s at offset %ld: expected {{item}} or {{item.field}}",
			    seg->source, (long)(open - text));
		if (rc < 0) {
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

/* text[0..n) is one JSON number and nothing else. */
static int is_number(const char *text, size_t n)
{
	const char *p = text, *end = text + n;
	struct jsonlex_num num;
	return jsonlex_number(&p, end, &num) == 0 && p == end;
}

/* Fails the item for s, quoting the value's text: about 40 bytes of it,
 * never cut inside a UTF-8 sequence. */
static int not_a(const struct segment *s, const char *enc, size_t n, const char *what,
    char **cause)
{
	size_t shown = n;
	if (n > 40)
		for (shown = 40; shown > 0 && ((unsigned char)enc[shown] & 0xc0) == 0x80; shown--)
			;
	return fail(cause, "%s: %.*s%s is not %s", s->source, (int)shown, enc, shown < n ? "..." : "",
	    what);
}

/* The JSON string of the text enc[0..n). malloc'd. */
static char *quoted(const char *enc, size_t n)
{
	struct buf b = { 0 };
	buf_reserve(&b, JSON_ESCAPED_MAX(n) + 2);
	buf_addc(&b, '"');
	b.len += json_escape(b.p + b.len, enc, n);
	buf_addc(&b, '"');
	return buf_take(&b, NULL);
}

/* The number string v holds (spaces around it allowed, as a spreadsheet
 * keeps them), malloc'd, or NULL when it holds something else. */
static char *number_in(struct jsonraw v)
{
	struct buf b = { 0 };
	char *num = NULL;
	if (jsonraw_string(v, &b) == 0 && b.len) {
		const char *p = b.p, *e = b.p + b.len;
		while (p < e && is_space(*p))
			p++;
		while (e > p && is_space(e[-1]))
			e--;
		if (is_number(p, (size_t)(e - p)))
			num = xstrndup(p, (size_t)(e - p));
	}
	buf_free(&b);
	return num;
}

/* The JSON text string v holds, one whole value, compacted and malloc'd,
 * or NULL when it holds something else. */
static char *json_in(struct jsonraw v)
{
	struct buf b = { 0 };
	char *text = NULL;
	if (jsonraw_string(v, &b) == 0 && b.len) {
		/* cJSON checks the grammar; jsonraw keeps the bytes as written */
		const char *stop = NULL, *e = b.p + b.len;
		cJSON *doc = cJSON_ParseWithLengthOpts(b.p, b.len, &stop, 0);
		while (doc && stop && stop < e && (*stop == ' ' || *stop == '\t' || *stop == '\n' ||
		    *stop == '\r'))
			stop++;
		struct jsonraw inner;
		if (doc && stop == e && jsonraw_value(b.p, b.len, &inner) == 0)
			text = jsonraw_compact(inner, NULL);
		cJSON_Delete(doc);
	}
	buf_free(&b);
	return text;
}

/* The JSON text the value v stands for under s's filter, into *enc
 * (malloc'd, *n bytes): for number, a number as it is or one a string
 * holds; for json, the JSON text a string holds, anything else as it is;
 * for string, a string as it is, anything else as its text in a string.
 * Returns 0, or -1 with *cause when the value is not what the filter asks. */
static int filtered(const struct segment *s, struct jsonraw v, char **enc, size_t *n,
    char **cause)
{
	*enc = jsonraw_compact(v, n);
	int is_str = v.n && v.p[0] == '"', fits = 1;
	char *as = NULL;
	switch (s->filter) {
	case FILTER_NONE:
		break;
	case FILTER_NUMBER:
		if (is_str)
			fits = (as = number_in(v)) != NULL;
		else
			fits = is_number(*enc, *n);
		break;
	case FILTER_JSON:
		if (is_str)
			fits = (as = json_in(v)) != NULL;
		break;
	case FILTER_STRING:
		if (!is_str)
			as = quoted(*enc, *n);
		break;
	}
	if (!fits) {
		not_a(s, *enc, *n, s->filter == FILTER_NUMBER ? "a number" : "JSON text", cause);
		free(*enc);
		*enc = NULL;
		return -1;
	}
	if (as) {
		free(*enc);
		*enc = as;
		*n = strlen(as);
	}
	return 0;
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
		char *enc;
		if (filtered(s, v, &enc, &n, cause) < 0) {
			buf_free(&b);
			return -1;
		}
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
