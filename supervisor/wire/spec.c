/* An app's spec: defaults, deep copy, comparison, and the key=value text form
 * the daemon writes to apps/<name>/spec for the keeper. Pure and libc-only. */
#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strv.h"
#include "xalloc.h"

void spec_defaults(struct app_spec *s)
{
	memset(s, 0, sizeof *s);
	s->instance = 1;
	s->instances = 1;
	s->app_id = -1;
	s->log_retain = 5;
	s->autorestart = AUTORESTART_ALWAYS;
	s->autostart = 1;
	s->max_restarts = 16;
	s->min_uptime_ms = 1000;
	s->restart_delay_ms = 0;
	s->exp_backoff_ms = 0;
	s->crash_backoff_ms = 100;
	s->exp_backoff_max_ms = 15000;
	s->kill_timeout_ms = 1600;
	s->stop_signal = SIGTERM;
	s->watch_delay_ms = 100;
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---- every field, once ---- */

/* In the order spec_pack writes them. Free, copy, equal, pack, unpack and
 * the daemon's describe all go by this table, so a new field is added here
 * only. */
#define OFF(f) offsetof(struct app_spec, f)
const struct spec_field spec_fields[] = {
	{ .key = "name", .type = SPEC_F_STR, .off = OFF(name) },
	{ .key = "group", .type = SPEC_F_STR, .off = OFF(group) },
	{ .key = "source", .type = SPEC_F_STR, .off = OFF(source) },
	{ .key = "id", .type = SPEC_F_INT, .off = OFF(app_id), .min = -1, .max = INT_MAX, .runtime = 1 },
	{ .key = "instance", .type = SPEC_F_INT, .off = OFF(instance), .min = 1, .max = INT_MAX },
	{ .key = "instances", .type = SPEC_F_INT, .off = OFF(instances), .min = 1, .max = INT_MAX },
	{ .key = "argv", .type = SPEC_F_STRV, .off = OFF(argv) },
	{ .key = "script", .type = SPEC_F_STR, .off = OFF(script), .runtime = 1 },
	{ .key = "cwd", .type = SPEC_F_STR, .off = OFF(cwd) },
	{ .key = "env", .type = SPEC_F_STRV, .off = OFF(env), .secret = 1 },
	{ .key = "base_env", .type = SPEC_F_STRV, .off = OFF(base_env), .secret = 1, .runtime = 1 },
	{ .key = "instance_var", .type = SPEC_F_STR, .off = OFF(instance_var) },
	{ .key = "increment_var", .type = SPEC_F_STR, .off = OFF(increment_var) },
	{ .key = "out_file", .type = SPEC_F_STR, .off = OFF(out_file) },
	{ .key = "err_file", .shown = "error_file", .type = SPEC_F_STR, .off = OFF(err_file) },
	{ .key = "combined_file", .shown = "log_file", .type = SPEC_F_STR, .off = OFF(combined_file) },
	{ .key = "time", .type = SPEC_F_BOOL, .off = OFF(time), .max = 1 },
	{ .key = "log_date_format", .type = SPEC_F_STR, .off = OFF(log_date_format) },
	{ .key = "log_max_size", .type = SPEC_F_LL, .off = OFF(log_max_size), .max = LLONG_MAX },
	{ .key = "log_retain", .type = SPEC_F_INT, .off = OFF(log_retain), .max = 1000 },
	{ .key = "autorestart", .type = SPEC_F_AUTORESTART, .off = OFF(autorestart) },
	{ .key = "autostart", .type = SPEC_F_BOOL, .off = OFF(autostart), .max = 1 },
	{ .key = "stopped", .type = SPEC_F_INT, .off = OFF(stopped), .max = SPEC_CRON_DONE,
	  .runtime = 1, .sparse = 1 },
	{ .key = "max_restarts", .type = SPEC_F_INT, .off = OFF(max_restarts), .max = INT_MAX },
	{ .key = "min_uptime_ms", .type = SPEC_F_LL, .off = OFF(min_uptime_ms), .max = LLONG_MAX / 4 },
	{ .key = "restart_delay_ms", .type = SPEC_F_LL, .off = OFF(restart_delay_ms),
	  .max = LLONG_MAX / 4 },
	{ .key = "exp_backoff_ms", .shown = "exp_backoff_restart_delay_ms", .type = SPEC_F_LL,
	  .off = OFF(exp_backoff_ms), .max = LLONG_MAX / 4 },
	{ .key = "exp_backoff_max_ms", .type = SPEC_F_LL, .off = OFF(exp_backoff_max_ms),
	  .max = LLONG_MAX / 4 },
	{ .key = "crash_backoff_ms", .type = SPEC_F_LL, .off = OFF(crash_backoff_ms),
	  .max = LLONG_MAX / 4 },
	{ .key = "stop_exit_code", .shown = "stop_exit_codes", .type = SPEC_F_EXIT_CODES,
	  .off = OFF(stop_exit_codes), .max = 255 },
	{ .key = "kill_timeout_ms", .type = SPEC_F_LL, .off = OFF(kill_timeout_ms),
	  .max = LLONG_MAX / 4 },
	{ .key = "stop_signal", .type = SPEC_F_INT, .off = OFF(stop_signal), .min = 1, .max = 64 },
	{ .key = "max_memory_restart", .type = SPEC_F_LL, .off = OFF(max_memory_restart),
	  .max = LLONG_MAX },
	{ .key = "after", .type = SPEC_F_STRV, .off = OFF(after) },
	{ .key = "cron_restart", .type = SPEC_F_STR, .off = OFF(cron_restart) },
	{ .key = "watch", .type = SPEC_F_STRV, .off = OFF(watch) },
	{ .key = "ignore_watch", .type = SPEC_F_STRV, .off = OFF(ignore_watch) },
	{ .key = "watch_delay_ms", .type = SPEC_F_LL, .off = OFF(watch_delay_ms),
	  .max = LLONG_MAX / 4 },
	{ .key = "pid_file", .type = SPEC_F_STR, .off = OFF(pid_file) },
	{ .key = "log_json", .shown = "log_type_json", .type = SPEC_F_BOOL, .off = OFF(log_json),
	  .max = 1 },
	{ .key = "namespace", .type = SPEC_F_STR, .off = OFF(namespace) },
};
const size_t spec_nfields = sizeof spec_fields / sizeof spec_fields[0];
#define N_FIELDS (sizeof spec_fields / sizeof spec_fields[0])

static const char *autorestart_names[] = {
	[AUTORESTART_ALWAYS] = "always",
	[AUTORESTART_ON_FAILURE] = "on-failure",
	[AUTORESTART_NEVER] = "never",
};

const char *spec_autorestart_name(enum autorestart r)
{
	return (unsigned)r <= AUTORESTART_NEVER ? autorestart_names[r] : "?";
}

/* The field f of s, for reading and for writing. */
static const void *field_get(const struct app_spec *s, const struct spec_field *f)
{
	return (const char *)s + f->off;
}

static void *field_set(struct app_spec *s, const struct spec_field *f)
{
	return (char *)s + f->off;
}

void spec_free(struct app_spec *s)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		if (spec_fields[i].type == SPEC_F_STR)
			free(*(char **)field_set(s, &spec_fields[i]));
		else if (spec_fields[i].type == SPEC_F_STRV)
			strv_free(*(char ***)field_set(s, &spec_fields[i]));
	}
	memset(s, 0, sizeof *s);
}

void spec_copy(struct app_spec *dst, const struct app_spec *src)
{
	*dst = *src;
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct spec_field *f = &spec_fields[i];
		if (f->type == SPEC_F_STR) {
			const char *v = *(char *const *)field_get(src, f);
			*(char **)field_set(dst, f) = v ? xstrdup(v) : NULL;
		} else if (f->type == SPEC_F_STRV) {
			*(char ***)field_set(dst, f) = strv_dup(*(char **const *)field_get(src, f));
		}
	}
}

static int field_eq(const struct spec_field *f, const struct app_spec *a, const struct app_spec *b)
{
	const void *x = field_get(a, f), *y = field_get(b, f);
	switch (f->type) {
	case SPEC_F_STR:
		return str_eq(*(char *const *)x, *(char *const *)y);
	case SPEC_F_STRV:
		return strv_eq(*(char **const *)x, *(char **const *)y);
	case SPEC_F_INT:
	case SPEC_F_BOOL:
		return *(const int *)x == *(const int *)y;
	case SPEC_F_LL:
		return *(const long long *)x == *(const long long *)y;
	case SPEC_F_AUTORESTART:
		return a->autorestart == b->autorestart;
	case SPEC_F_EXIT_CODES:
		return a->n_stop_exit_codes == b->n_stop_exit_codes &&
		    (a->n_stop_exit_codes <= 0 || memcmp(a->stop_exit_codes, b->stop_exit_codes,
		    (size_t)a->n_stop_exit_codes * sizeof a->stop_exit_codes[0]) == 0);
	}
	return 0;
}

int spec_equal(const struct app_spec *a, const struct app_spec *b)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!spec_fields[i].runtime && !field_eq(&spec_fields[i], a, b))
			return 0;
	return 1;
}

/* ---- text form ---- */

/* Specs are packed for every record a fleet command writes (a thousand at
 * a time): plain runs are copied whole, numbers without printf. */
static void put_str(struct buf *b, const char *key, const char *val)
{
	if (!val)
		return;
	buf_puts(b, key);
	buf_addc(b, '=');
	for (const char *v = val;;) {
		size_t n = strcspn(v, "\n\t\r\\");
		buf_add(b, v, n);
		v += n;
		if (!*v)
			break;
		switch (*v++) {
		case '\n': buf_add(b, "\\n", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		default: buf_add(b, "\\\\", 2); break;
		}
	}
	buf_addc(b, '\n');
}

static void put_num(struct buf *b, const char *key, long long val)
{
	buf_puts(b, key);
	buf_addc(b, '=');
	buf_add_ll(b, val);
	buf_addc(b, '\n');
}

static void put_field(struct buf *b, const struct spec_field *f, const struct app_spec *s)
{
	const void *x = field_get(s, f);
	switch (f->type) {
	case SPEC_F_STR:
		put_str(b, f->key, *(char *const *)x);
		break;
	case SPEC_F_STRV:
		for (char *const *v = *(char **const *)x; v && *v; v++)
			put_str(b, f->key, *v);
		break;
	case SPEC_F_INT:
	case SPEC_F_BOOL:
		if (!f->sparse || *(const int *)x)
			put_num(b, f->key, *(const int *)x);
		break;
	case SPEC_F_LL:
		put_num(b, f->key, *(const long long *)x);
		break;
	case SPEC_F_AUTORESTART:
		if ((unsigned)s->autorestart <= AUTORESTART_NEVER)
			put_str(b, f->key, autorestart_names[s->autorestart]);
		break;
	case SPEC_F_EXIT_CODES:
		for (int i = 0; i < s->n_stop_exit_codes && i < SPEC_MAX_EXIT_CODES; i++)
			put_num(b, f->key, s->stop_exit_codes[i]);
		break;
	}
}

char *spec_pack(const struct app_spec *s, size_t *len)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < N_FIELDS; i++)
		put_field(&b, &spec_fields[i], s);
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

static int set_field(struct app_spec *s, const char *key, size_t klen, char *val,
    char **cause)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct spec_field *f = &spec_fields[i];
		if (strlen(f->key) != klen || memcmp(f->key, key, klen) != 0)
			continue;
		void *p = field_set(s, f);
		long long x;
		switch (f->type) {
		case SPEC_F_STR:
			free(*(char **)p);
			*(char **)p = xstrdup(val);
			return 0;
		case SPEC_F_STRV:
			*(char ***)p = strv_push(*(char ***)p, val);
			return 0;
		case SPEC_F_INT:
		case SPEC_F_BOOL:
			if (parse_ll(val, f->min, f->max, &x) < 0)
				return fail(cause, "%s: bad value '%s'", f->key, val);
			*(int *)p = (int)x;
			return 0;
		case SPEC_F_LL:
			if (parse_ll(val, f->min, f->max, &x) < 0)
				return fail(cause, "%s: bad value '%s'", f->key, val);
			*(long long *)p = x;
			return 0;
		case SPEC_F_AUTORESTART:
			for (int k = 0; k <= AUTORESTART_NEVER; k++)
				if (strcmp(val, autorestart_names[k]) == 0) {
					s->autorestart = (enum autorestart)k;
					return 0;
				}
			return fail(cause, "%s: unknown value '%s'", f->key, val);
		case SPEC_F_EXIT_CODES:
			if (parse_ll(val, f->min, f->max, &x) < 0)
				return fail(cause, "%s: bad value '%s'", f->key, val);
			if (s->n_stop_exit_codes >= SPEC_MAX_EXIT_CODES)
				return fail(cause, "%s: more than %d", f->key, SPEC_MAX_EXIT_CODES);
			s->stop_exit_codes[s->n_stop_exit_codes++] = (int)x;
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
