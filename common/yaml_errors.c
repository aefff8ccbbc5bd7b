/* The error (and warning) list of a config load. */
#include "yaml_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

static void push(struct yerrs *e, char *s)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->v = xreallocarray(e->v, (size_t)e->cap, sizeof *e->v);
	}
	e->v[e->n++] = s;
}

void yerrs_add(struct yerrs *e, const char *file, int line, int col,
    const char *key, const char *fmt, ...)
{
	if (e->n >= YERRS_MAX) {
		e->dropped++;
		return;
	}
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	const char *m = msg ? msg : "(out of memory formatting the message)";
	char *s;
	if (line > 0 && key)
		s = xasprintf("%s:%d:%d: %s: %s", file, line, col, key, m);
	else if (line > 0)
		s = xasprintf("%s:%d:%d: %s", file, line, col, m);
	else if (key)
		s = xasprintf("%s: %s: %s", file, key, m);
	else
		s = xasprintf("%s: %s", file, m);
	free(msg);
	push(e, s);
}

void yerrs_push(struct yerrs *e, char *msg)
{
	if (e->n >= YERRS_MAX) {
		e->dropped++;
		free(msg);
		return;
	}
	push(e, msg);
}

int yerrs_count(const struct yerrs *e)
{
	return e->n + e->dropped;
}

char **yerrs_take(struct yerrs *e, int *n)
{
	if (e->dropped)
		push(e, xasprintf("... and %d more", e->dropped));
	char **v = e->v;
	*n = e->n;
	e->v = NULL;
	e->n = e->cap = e->dropped = 0;
	return v;
}

void yerrs_free(struct yerrs *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = e->dropped = 0;
}
