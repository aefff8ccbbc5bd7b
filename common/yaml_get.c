/* Typed getters over ynode values, each reporting a wrong value at its
 * exact position. */
#include "yaml_get.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "units.h"
#include "xalloc.h"

static void vadd(struct yerrs *e, const char *file, const struct ynode *at,
    const char *key, const char *fmt, va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	yerrs_add(e, file, at ? at->line : 0, at ? at->col : 0, key, "%s",
	    msg ? msg : "(out of memory)");
	free(msg);
}

void ycx_error(struct ycx *cx, const struct ynode *at, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(&cx->errs, cx->file, at, key, fmt, ap);
	va_end(ap);
}

void ycx_warn(struct ycx *cx, const struct ynode *at, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(&cx->warns, cx->file, at, key, fmt, ap);
	va_end(ap);
}

void ycx_free(struct ycx *cx)
{
	yerrs_free(&cx->errs);
	yerrs_free(&cx->warns);
}

const struct ynode *yget_default_node(struct ynode *node, const char *text)
{
	memset(node, 0, sizeof *node);
	node->kind = YNODE_SCALAR;
	node->plain = 1;
	/* the node is only read: the cast drops const for the struct's sake */
	node->str = (char *)(uintptr_t)text;
	node->len = strlen(text);
	return node;
}

/* A scalar that is not null, or an error naming what was expected. */
static const char *scalar(struct ycx *cx, const struct ynode *n, const char *key,
    const char *expected)
{
	if (!n || n->kind != YNODE_SCALAR || ynode_is_null(n)) {
		ycx_error(cx, n, key, "expected %s, got %s", expected, ynode_what(n));
		return NULL;
	}
	return n->str;
}

int yget_str(struct ycx *cx, const struct ynode *n, const char *key, char **out)
{
	const char *s = scalar(cx, n, key, "a string");
	if (!s)
		return -1;
	*out = xstrdup(s);
	return 0;
}

int yget_bool(struct ycx *cx, const struct ynode *n, const char *key, int *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char *s = scalar(cx, n, key, "true or false");
	if (!s)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	ycx_error(cx, n, key, "expected true or false, got '%s'", s);
	return -1;
}

/* "S is out of range (MIN to MAX)", each bound followed by unit; a value
 * with no upper bound (LLONG_MAX) names only its lower one. */
static void range_error(struct ycx *cx, const struct ynode *n, const char *key, const char *s,
    long long min, long long max, const char *unit)
{
	if (max == LLONG_MAX)
		ycx_error(cx, n, key, "%s is out of range (at least %lld%s)", s, min, unit);
	else
		ycx_error(cx, n, key, "%s is out of range (%lld%s to %lld%s)", s, min, unit, max, unit);
}

/* Strict decimal: optional sign, digits, nothing else. */
static int parse_ll(const char *s, long long *v)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	errno = 0;
	char *end;
	long long r = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -2;
	*v = r;
	return 0;
}

int yget_int(struct ycx *cx, const struct ynode *n, const char *key,
    long long min, long long max, long long *out)
{
	const char *s = scalar(cx, n, key, "a whole number");
	long long v;
	if (!s)
		return -1;
	int r = parse_ll(s, &v);
	if (r == -1) {
		ycx_error(cx, n, key, "expected a whole number, got '%s'", s);
		return -1;
	}
	if (r == -2 || v < min || v > max) {
		range_error(cx, n, key, s, min, max, "");
		return -1;
	}
	*out = v;
	return 0;
}

int yget_double(struct ycx *cx, const struct ynode *n, const char *key,
    double min, double max, double *out)
{
	const char *s = scalar(cx, n, key, "a number");
	if (!s)
		return -1;
	/* digits with an optional fraction: no hex, inf, nan or exponent
	 * surprises from strtod */
	const char *p = s;
	int digits = 0;
	if (*p == '-' || *p == '+')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (*p || !digits) {
		ycx_error(cx, n, key, "expected a number, got '%s'", s);
		return -1;
	}
	double v = strtod(s, NULL);
	if (!isfinite(v) || v < min || v > max) {
		ycx_error(cx, n, key, "%s is out of range (%g to %g)", s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int scaled(struct ycx *cx, const struct ynode *n, const char *key,
    long long min, long long max, long long *out, int size)
{
	const char *s = scalar(cx, n, key, size ? "a size" : "a duration");
	const char *why;
	long long v;
	if (!s)
		return -1;
	if ((size ? units_parse_size(s, &v, &why) : units_parse_duration_ms(s, &v, &why)) < 0) {
		ycx_error(cx, n, key, "bad %s '%s': %s (e.g. %s)", size ? "size" : "duration", s, why,
		    size ? "512K, 200M, 1G or bytes" : "500ms, 2s, 5m, 1h or milliseconds");
		return -1;
	}
	if (v < min || v > max) {
		range_error(cx, n, key, s, min, max, size ? " bytes" : "ms");
		return -1;
	}
	*out = v;
	return 0;
}

int yget_duration(struct ycx *cx, const struct ynode *n, const char *key,
    long long min, long long max, long long *ms)
{
	return scaled(cx, n, key, min, max, ms, 0);
}

int yget_size(struct ycx *cx, const struct ynode *n, const char *key,
    long long min, long long max, long long *bytes)
{
	return scaled(cx, n, key, min, max, bytes, 1);
}

int yget_enum(struct ycx *cx, const struct ynode *n, const char *key,
    const char *const *names, int count, int *idx)
{
	const char *s = scalar(cx, n, key, "a name");
	if (!s)
		return -1;
	for (int i = 0; i < count; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*idx = i;
			return 0;
		}
	struct buf list = { 0 };
	for (int i = 0; i < count; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
	ycx_error(cx, n, key, "'%s' is not one of: %s", s, list.p ? list.p : "");
	buf_free(&list);
	return -1;
}

int yget_strlist(struct ycx *cx, const struct ynode *n, const char *key,
    enum ysplit how, char ***out, int *count)
{
	if (!n || ynode_is_null(n)) {
		*out = xcalloc(1, sizeof **out);
		*count = 0;
		return 0;
	}
	if (n->kind == YNODE_SCALAR) {
		const char *why;
		char **v = ytext_split(n->str, how == YSPLIT_SHELL, count, &why);
		if (!v) {
			ycx_error(cx, n, key, "cannot split '%s' into words: %s", n->str, why);
			return -1;
		}
		*out = v;
		return 0;
	}
	if (n->kind != YNODE_SEQ) {
		ycx_error(cx, n, key, "expected a list or a string, got %s", ynode_what(n));
		return -1;
	}
	int bad = 0;
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != YNODE_SCALAR) {
			ycx_error(cx, n->items[i], key, "list items must be strings, not %s",
			    ynode_what(n->items[i]));
			bad = 1;
		}
	if (bad)
		return -1;
	char **v = xcalloc(n->n + 1, sizeof *v);
	for (size_t i = 0; i < n->n; i++)
		v[i] = xstrdup(n->items[i]->str);
	*out = v;
	*count = (int)n->n;
	return 0;
}

int yget_strmap(struct ycx *cx, const struct ynode *n, const char *key,
    char ***keys, char ***vals, int *count)
{
	if (!n || ynode_is_null(n)) {
		*keys = NULL;
		*vals = NULL;
		*count = 0;
		return 0;
	}
	if (n->kind != YNODE_MAP) {
		ycx_error(cx, n, key, "expected a map of NAME: value, got %s", ynode_what(n));
		return -1;
	}
	int bad = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *v = YMAP_VAL(n, i);
		if (v->kind != YNODE_SCALAR) {
			char *k = xasprintf("%s.%s", key, YMAP_KEY(n, i)->str);
			ycx_error(cx, v, k, "expected a string, got %s", ynode_what(v));
			free(k);
			bad = 1;
		}
	}
	if (bad)
		return -1;
	char **k = xcalloc(n->n + 1, sizeof *k), **v = xcalloc(n->n + 1, sizeof *v);
	for (size_t i = 0; i < n->n; i++) {
		k[i] = xstrdup(YMAP_KEY(n, i)->str);
		v[i] = xstrdup(ynode_is_null(YMAP_VAL(n, i)) ? "" : YMAP_VAL(n, i)->str);
	}
	*keys = k;
	*vals = v;
	*count = (int)n->n;
	return 0;
}
