/* An app's spec: defaults, deep copy, comparison, and the key=value text form
 * the daemon writes to apps/<name>/spec for the keeper. Pure and libc-only. */
#include "spec.h"
#include "buf.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void spec_defaults(struct app_spec *s)
{
	memset(s, 0, sizeof *s);
	s->instance = 1;
	s->instances = 1;
	s->log_retain = 5;
	s->autorestart = AUTORESTART_ALWAYS;
	s->autostart = 1;
	s->max_restarts = 16;
	s->min_uptime_ms = 1000;
	s->restart_delay_ms = 0;
	s->exp_backoff_ms = 0;
	s->exp_backoff_max_ms = 15000;
	s->kill_timeout_ms = 1600;
	s->stop_signal = SIGTERM;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static char **strv_copy(char *const *v)
{
	if (!v)
		return NULL;
	size_t n = strv_len(v);
	char **c = xcalloc(n + 1, sizeof *c);
	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

/* Appends a copy of s to a NULL-terminated vector (which may be NULL). */
static char **strv_push(char **v, const char *s, size_t len)
{
	size_t n = strv_len(v);
	v = xreallocarray(v, n + 2, sizeof *v);
	v[n] = xstrndup(s, len);
	v[n + 1] = NULL;
	return v;
}

void spec_free(struct app_spec *s)
{
	free(s->name);
	free(s->group);
	free(s->source);
	strv_free(s->argv);
	free(s->cwd);
	strv_free(s->env);
	free(s->out_file);
	free(s->err_file);
	free(s->combined_file);
	free(s->log_date_format);
	strv_free(s->after);
	memset(s, 0, sizeof *s);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void spec_copy(struct app_spec *dst, const struct app_spec *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->group = dup_or_null(src->group);
	dst->source = dup_or_null(src->source);
	dst->argv = strv_copy(src->argv);
	dst->cwd = dup_or_null(src->cwd);
	dst->env = strv_copy(src->env);
	dst->out_file = dup_or_null(src->out_file);
	dst->err_file = dup_or_null(src->err_file);
	dst->combined_file = dup_or_null(src->combined_file);
	dst->log_date_format = dup_or_null(src->log_date_format);
	dst->after = strv_copy(src->after);
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A NULL vector and an empty one mean the same. */
static int strv_eq(char *const *a, char *const *b)
{
	size_t n = strv_len(a);
	if (n != strv_len(b))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

int spec_equal(const struct app_spec *a, const struct app_spec *b)
{
	if (a->n_stop_exit_codes != b->n_stop_exit_codes)
		return 0;
	for (int i = 0; i < a->n_stop_exit_codes; i++)
		if (a->stop_exit_codes[i] != b->stop_exit_codes[i])
			return 0;
	return str_eq(a->name, b->name) && str_eq(a->group, b->group) &&
	    str_eq(a->source, b->source) && a->instance == b->instance &&
	    a->instances == b->instances && strv_eq(a->argv, b->argv) &&
	    str_eq(a->cwd, b->cwd) && strv_eq(a->env, b->env) &&
	    str_eq(a->out_file, b->out_file) && str_eq(a->err_file, b->err_file) &&
	    str_eq(a->combined_file, b->combined_file) && a->time == b->time &&
	    str_eq(a->log_date_format, b->log_date_format) &&
	    a->log_max_size == b->log_max_size && a->log_retain == b->log_retain &&
	    a->autorestart == b->autorestart && a->autostart == b->autostart &&
	    a->max_restarts == b->max_restarts &&
	    a->min_uptime_ms == b->min_uptime_ms &&
	    a->restart_delay_ms == b->restart_delay_ms &&
	    a->exp_backoff_ms == b->exp_backoff_ms &&
	    a->exp_backoff_max_ms == b->exp_backoff_max_ms &&
	    a->kill_timeout_ms == b->kill_timeout_ms &&
	    a->stop_signal == b->stop_signal &&
	    a->max_memory_restart == b->max_memory_restart &&
	    strv_eq(a->after, b->after);
}

/* ---- text form ---- */

static void put_str(struct buf *b, const char *key, const char *val)
{
	if (!val)
		return;
	buf_add(b, key, strlen(key));
	buf_add(b, "=", 1);
	for (const char *v = val; *v; v++) {
		switch (*v) {
		case '\n': buf_add(b, "\\n", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		default: buf_add(b, v, 1); break;
		}
	}
	buf_add(b, "\n", 1);
}

static void put_strv(struct buf *b, const char *key, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		put_str(b, key, v[i]);
}

static void put_num(struct buf *b, const char *key, long long val)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", val);
	put_str(b, key, num);
}

static const char *autorestart_names[] = {
	[AUTORESTART_ALWAYS] = "always",
	[AUTORESTART_ON_FAILURE] = "on-failure",
	[AUTORESTART_NEVER] = "never",
};

char *spec_pack(const struct app_spec *s, size_t *len)
{
	struct buf b = { 0 };
	put_str(&b, "name", s->name);
	put_str(&b, "group", s->group);
	put_str(&b, "source", s->source);
	put_num(&b, "instance", s->instance);
	put_num(&b, "instances", s->instances);
	put_strv(&b, "argv", s->argv);
	put_str(&b, "cwd", s->cwd);
	put_strv(&b, "env", s->env);
	put_str(&b, "out_file", s->out_file);
	put_str(&b, "err_file", s->err_file);
	put_str(&b, "combined_file", s->combined_file);
	put_num(&b, "time", s->time);
	put_str(&b, "log_date_format", s->log_date_format);
	put_num(&b, "log_max_size", s->log_max_size);
	put_num(&b, "log_retain", s->log_retain);
	if ((unsigned)s->autorestart <= AUTORESTART_NEVER)
		put_str(&b, "autorestart", autorestart_names[s->autorestart]);
	put_num(&b, "autostart", s->autostart);
	put_num(&b, "max_restarts", s->max_restarts);
	put_num(&b, "min_uptime_ms", s->min_uptime_ms);
	put_num(&b, "restart_delay_ms", s->restart_delay_ms);
	put_num(&b, "exp_backoff_ms", s->exp_backoff_ms);
	put_num(&b, "exp_backoff_max_ms", s->exp_backoff_max_ms);
	for (int i = 0; i < s->n_stop_exit_codes && i < SPEC_MAX_EXIT_CODES; i++)
		put_num(&b, "stop_exit_code", s->stop_exit_codes[i]);
	put_num(&b, "kill_timeout_ms", s->kill_timeout_ms);
	put_num(&b, "stop_signal", s->stop_signal);
	put_num(&b, "max_memory_restart", s->max_memory_restart);
	put_strv(&b, "after", s->after);
	return buf_take(&b, len);
}

/* Decodes an escaped value into a new string; NULL on a bad escape or NUL. */
static char *unescape(const char *v, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c == '\0')
			goto bad;
		if (c == '\\') {
			if (++i == n)
				goto bad;
			switch (v[i]) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			default: goto bad;
			}
		}
		*o++ = c;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static int parse_ll(const char *v, long long min, long long max, long long *out)
{
	if (!*v || !(*v == '-' || (*v >= '0' && *v <= '9')))
		return -1;
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

enum ftype { F_STR, F_STRV, F_INT, F_LL, F_BOOL };

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	long long min, max;
};

#define OFF(f) offsetof(struct app_spec, f)
static const struct field fields[] = {
	{ "name", F_STR, OFF(name), 0, 0 },
	{ "group", F_STR, OFF(group), 0, 0 },
	{ "source", F_STR, OFF(source), 0, 0 },
	{ "instance", F_INT, OFF(instance), 1, INT_MAX },
	{ "instances", F_INT, OFF(instances), 1, INT_MAX },
	{ "argv", F_STRV, OFF(argv), 0, 0 },
	{ "cwd", F_STR, OFF(cwd), 0, 0 },
	{ "env", F_STRV, OFF(env), 0, 0 },
	{ "out_file", F_STR, OFF(out_file), 0, 0 },
	{ "err_file", F_STR, OFF(err_file), 0, 0 },
	{ "combined_file", F_STR, OFF(combined_file), 0, 0 },
	{ "time", F_BOOL, OFF(time), 0, 1 },
	{ "log_date_format", F_STR, OFF(log_date_format), 0, 0 },
	{ "log_max_size", F_LL, OFF(log_max_size), 0, LLONG_MAX },
	{ "log_retain", F_INT, OFF(log_retain), 0, 1000 },
	{ "autostart", F_BOOL, OFF(autostart), 0, 1 },
	{ "max_restarts", F_INT, OFF(max_restarts), 0, INT_MAX },
	{ "min_uptime_ms", F_LL, OFF(min_uptime_ms), 0, LLONG_MAX / 4 },
	{ "restart_delay_ms", F_LL, OFF(restart_delay_ms), 0, LLONG_MAX / 4 },
	{ "exp_backoff_ms", F_LL, OFF(exp_backoff_ms), 0, LLONG_MAX / 4 },
	{ "exp_backoff_max_ms", F_LL, OFF(exp_backoff_max_ms), 0, LLONG_MAX / 4 },
	{ "kill_timeout_ms", F_LL, OFF(kill_timeout_ms), 0, LLONG_MAX / 4 },
	{ "stop_signal", F_INT, OFF(stop_signal), 1, 64 },
	{ "max_memory_restart", F_LL, OFF(max_memory_restart), 0, LLONG_MAX },
	{ "after", F_STRV, OFF(after), 0, 0 },
};

static int set_field(struct app_spec *s, const char *key, size_t klen, char *val,
    char **cause)
{
	if (klen == 11 && memcmp(key, "autorestart", 11) == 0) {
		for (int i = 0; i <= AUTORESTART_NEVER; i++)
			if (strcmp(val, autorestart_names[i]) == 0) {
				s->autorestart = (enum autorestart)i;
				return 0;
			}
		return fail(cause, "autorestart: unknown value '%s'", val);
	}
	if (klen == 14 && memcmp(key, "stop_exit_code", 14) == 0) {
		long long x;
		if (parse_ll(val, 0, 255, &x) < 0)
			return fail(cause, "stop_exit_code: bad value '%s'", val);
		if (s->n_stop_exit_codes >= SPEC_MAX_EXIT_CODES)
			return fail(cause, "stop_exit_code: more than %d", SPEC_MAX_EXIT_CODES);
		s->stop_exit_codes[s->n_stop_exit_codes++] = (int)x;
		return 0;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field *f = &fields[i];
		if (strlen(f->key) != klen || memcmp(f->key, key, klen) != 0)
			continue;
		char *base = (char *)s + f->off;
		long long x;
		switch (f->type) {
		case F_STR: {
			char **p = (char **)(void *)base;
			free(*p);
			*p = xstrdup(val);
			return 0;
		}
		case F_STRV: {
			char ***p = (char ***)(void *)base;
			*p = strv_push(*p, val, strlen(val));
			return 0;
		}
		case F_INT:
		case F_BOOL:
			if (parse_ll(val, f->min, f->max, &x) < 0)
				return fail(cause, "%s: bad value '%s'", f->key, val);
			*(int *)(void *)base = (int)x;
			return 0;
		case F_LL:
			if (parse_ll(val, f->min, f->max, &x) < 0)
				return fail(cause, "%s: bad value '%s'", f->key, val);
			*(long long *)(void *)base = x;
			return 0;
		}
	}
	return fail(cause, "unknown key '%.*s'", (int)(klen > 64 ? 64 : klen), key);
}

int spec_unpack(const char *buf, size_t len, struct app_spec *s, char **cause)
{
	spec_defaults(s);
	size_t lineno = 0;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		lineno++;
		if (eol == p) { /* blank line */
			p = eol + 1;
			continue;
		}
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		if (!eq || eq == p) {
			spec_free(s);
			spec_defaults(s);
			return fail(cause, "spec line %zu: expected key=value", lineno);
		}
		char *val = unescape(eq + 1, (size_t)(eol - eq - 1));
		if (!val) {
			spec_free(s);
			spec_defaults(s);
			return fail(cause, "spec line %zu: bad escape in value", lineno);
		}
		char *why = NULL;
		int r = set_field(s, p, (size_t)(eq - p), val, &why);
		free(val);
		if (r < 0) {
			spec_free(s);
			spec_defaults(s);
			fail(cause, "spec line %zu: %s", lineno, why);
			free(why);
			return -1;
		}
		p = eol + 1;
	}
	return 0;
}
