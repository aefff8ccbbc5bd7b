/* store_scan: the quick check of a load's line. Building a cJSON tree of
 * every line to read one or two fields cost a dozen allocations a line;
 * this walks the text once instead. It accepts only strict JSON that
 * cJSON reads the same way, and reads the id and priority fields only
 * in their plain forms; anything else it leaves to cJSON, which accepts
 * or refuses the line and names what is wrong, as for every line before. */
#include "store_scan.h"
#include "jsonlex.h"

#include <stdlib.h>
#include <string.h>

/* Deeper than this is left to cJSON, which has its own nesting limit. */
#define SCAN_DEPTH 64
/* cJSON reads at most 63 characters of a number. */
#define SCAN_NUMBER_MAX 63
/* Up to 15 digits a double holds every whole number exactly, as cJSON
 * keeps numbers. */
#define SCAN_INT_DIGITS 15

struct scan {
	const char *p, *end;
};

/* Each returns 0 with s->p past what it read, or -1: not plain (cJSON's turn). */
static int scan_value(struct scan *s, int depth);

static void scan_space(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int scan_hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A string; *plain says it holds no escape (its text is [*start, s->p - 1)). */
static int scan_string(struct scan *s, const char **start, int *plain)
{
	if (s->p >= s->end || *s->p != '"')
		return -1;
	*start = ++s->p;
	*plain = 1;
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			s->p++;
			continue;
		}
		*plain = 0;
		if (s->end - s->p < 2)
			return -1;
		c = (unsigned char)s->p[1];
		if (c == 'u') {
			/* surrogates (pairs or lone halves) are cJSON's to judge */
			int v = s->end - s->p >= 6 ? scan_hex4(s->p + 2) : -1;
			if (v < 0 || (v >= 0xd800 && v <= 0xdfff))
				return -1;
			s->p += 6;
		} else if (c && strchr("\"\\/bfnrt", c)) {
			s->p += 2;
		} else {
			return -1;
		}
	}
	return -1;
}

/* A number; *whole says it is an integer of at most SCAN_INT_DIGITS
 * digits (not -0), whose value is then in *v. */
static int scan_number(struct scan *s, long long *v, int *whole)
{
	const char *b = s->p;
	struct jsonlex_num n;
	if (jsonlex_number(&s->p, s->end, &n) < 0 || s->p - b > SCAN_NUMBER_MAX)
		return -1;
	*whole = n.whole && n.digits <= SCAN_INT_DIGITS && !(n.neg && n.value == 0);
	*v = n.neg ? -n.value : n.value;
	return 0;
}

/* The members of an object or the elements of an array, after its
 * opening bracket. */
static int scan_list(struct scan *s, char close, int depth)
{
	scan_space(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			const char *k;
			int plain;
			if (scan_string(s, &k, &plain) < 0)
				return -1;
			scan_space(s);
			if (s->p >= s->end || *s->p != ':')
				return -1;
			s->p++;
			scan_space(s);
		}
		if (scan_value(s, depth) < 0)
			return -1;
		scan_space(s);
		if (s->p >= s->end)
			return -1;
		if (*s->p == close) {
			s->p++;
			return 0;
		}
		if (*s->p != ',')
			return -1;
		s->p++;
		scan_space(s);
	}
}

static int scan_value(struct scan *s, int depth)
{
	const char *start;
	long long v;
	int flag;
	if (s->p >= s->end || depth > SCAN_DEPTH)
		return -1;
	switch (*s->p) {
	case '{': s->p++; return scan_list(s, '}', depth + 1);
	case '[': s->p++; return scan_list(s, ']', depth + 1);
	case '"': return scan_string(s, &start, &flag);
	case 't': return jsonlex_word(&s->p, s->end, "true");
	case 'f': return jsonlex_word(&s->p, s->end, "false");
	case 'n': return jsonlex_word(&s->p, s->end, "null");
	default: return scan_number(s, &v, &flag);
	}
}

/* The field's value, when it is a plain string (kind 's', [*b, *e)), a
 * whole number (kind 'i', *v), or null (kind 'n'); any other kind is 0. */
struct scan_field {
	const char *name;
	int seen, kind;
	const char *b, *e;
	long long v;
};

static void scan_take(struct scan_field *f, const char *b, const char *e, long long v,
    int kind)
{
	f->seen = 1;
	f->b = b;
	f->e = e;
	f->v = v;
	f->kind = kind;
}

/* Reads a member's value at s->p into f (when the member is f's and the
 * first of that name), else skips it. */
static int scan_member(struct scan *s, struct scan_field *f)
{
	const char *b = s->p;
	long long v = 0;
	int whole = 0, plain = 0;
	const char *start;
	if (f->seen || !f->name) {
		return scan_value(s, 1);
	} else if (s->p < s->end && *s->p == '"') {
		if (scan_string(s, &start, &plain) < 0)
			return -1;
		scan_take(f, start, s->p - 1, 0, plain ? 's' : 0);
	} else if (s->p < s->end && (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))) {
		if (scan_number(s, &v, &whole) < 0)
			return -1;
		scan_take(f, b, s->p, v, whole ? 'i' : 0);
	} else {
		if (scan_value(s, 1) < 0)
			return -1;
		scan_take(f, b, s->p, 0, s->p - b == 4 && memcmp(b, "null", 4) == 0 ? 'n' : 0);
	}
	return 0;
}

int store_scan_line(const char *line, size_t len, const char *id_field,
    const char *priority_field, struct store_scan *out)
{
	struct scan s = { line, line + len };
	struct scan_field id = { .name = id_field }, prio = { .name = priority_field };
	if (len == 0 || *s.p != '{' || (priority_field && strcmp(priority_field, id_field) == 0))
		return 0;
	s.p++;
	scan_space(&s);
	if (s.p < s.end && *s.p == '}')
		return 0;       /* no id: cJSON's message */
	for (;;) {
		const char *k;
		int plain;
		if (scan_string(&s, &k, &plain) < 0 || !plain)
			return 0;
		size_t klen = (size_t)(s.p - 1 - k);
		scan_space(&s);
		if (s.p >= s.end || *s.p != ':')
			return 0;
		s.p++;
		scan_space(&s);
		struct scan_field none = { 0 }, *f = &none;
		if (strlen(id_field) == klen && memcmp(k, id_field, klen) == 0)
			f = &id;
		else if (priority_field && strlen(priority_field) == klen &&
		    memcmp(k, priority_field, klen) == 0)
			f = &prio;
		if (scan_member(&s, f) < 0)
			return 0;
		scan_space(&s);
		if (s.p >= s.end)
			return 0;
		if (*s.p == '}')
			break;
		if (*s.p != ',')
			return 0;
		s.p++;
		scan_space(&s);
	}
	if (s.p + 1 != s.end)
		return 0;
	if (!id.seen || (id.kind != 's' && id.kind != 'i') || (id.kind == 's' && id.b == id.e))
		return 0;
	if (prio.seen && prio.kind != 'i' && prio.kind != 'n')
		return 0;
	out->id = id.b;
	out->id_len = (size_t)(id.e - id.b);
	out->id_int = id.kind == 'i';
	out->id_value = id.v;
	out->priority = prio.seen && prio.kind == 'i' ? prio.v : 0;
	return 1;
}
