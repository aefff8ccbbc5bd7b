/* One option's value of one app, read by the option's type (ecosystem_value.h). */
#include "ecosystem_value.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cron.h"
#include "ecosystem_env.h"
#include "xalloc.h"
#include "yaml_file.h"

static int bool_word(const char *s, int *v)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *v = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *v = 0, 0;
	}
	return -1;
}

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* ---- one option of one app ---- */

static int parse_plain(struct eco_loader *L, const struct eco_option *o, const struct ynode *n,
    struct app_spec *t)
{
	char *base = (char *)t + o->offset;
	long long v;
	int b;
	char *s;
	switch (o->type) {
	case ECO_T_BOOL:
		if (yget_bool(&L->cx, n, o->name, &b) < 0)
			return -1;
		*(int *)base = b;
		return 0;
	case ECO_T_INT:
		if (yget_int(&L->cx, n, o->name, o->min, o->max, &v) < 0)
			return -1;
		*(int *)base = (int)v;
		return 0;
	case ECO_T_DURATION:
		return yget_duration(&L->cx, n, o->name, o->min, o->max, (long long *)base);
	case ECO_T_SIZE:
		return yget_size(&L->cx, n, o->name, o->min, o->max, (long long *)base);
	case ECO_T_STRING:
		if (yget_str(&L->cx, n, o->name, &s) < 0)
			return -1;
		free(*(char **)base);
		*(char **)base = s;
		return 0;
	default:
		return -1;
	}
}

static int parse_name(struct eco_loader *L, const struct ynode *n, char **out)
{
	char *s;
	if (yget_str(&L->cx, n, "name", &s) < 0)
		return -1;
	size_t len = strlen(s), digits = 0;
	const char *why = NULL;
	for (size_t i = 0; i < len && !why; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			digits++;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
		    c == '-' || c == '/'))
			why = "may hold only letters, digits, '.', '_', '-' and '/'";
	}
	if (!why && len == 0)
		why = "is empty";
	else if (!why && len > ECO_NAME_MAX)
		why = "is longer than 64 characters";
	else if (!why && digits == len)
		why = "is only digits, which psup would take for an app id";
	else if (!why && (strcmp(s, "all") == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0))
		why = "is reserved";
	else if (!why && (s[0] == '/' || s[len - 1] == '/' || strstr(s, "//")))
		why = "may not start or end with '/' or hold '//'";
	if (why) {
		ycx_error(&L->cx, n, "name", "'%s' %s", s, why);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* pm2 reads some numbers with JavaScript's parseInt: "4," is 4 there.
 * Such a value (digits, then something that is not a unit) loads as pm2
 * reads it, with a warning that shows the value used. Returns 1 when it
 * applied. */
static int pm2_parse_int(struct eco_loader *L, const struct ynode *n, const char *key,
    long long *out)
{
	if (n->kind != YNODE_SCALAR)
		return 0;
	const char *p = n->str;
	while (*p == ' ' || *p == '\t')
		p++;
	const char *d = p + (*p == '-' || *p == '+');
	const char *e = d;
	while (*e >= '0' && *e <= '9' && e - d < 12)
		e++;
	if (e == d || !*e || (*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
	    (*e >= '0' && *e <= '9'))
		return 0;
	long long v = 0;
	for (const char *c = d; c < e; c++)
		v = v * 10 + (*c - '0');
	*out = *p == '-' ? -v : v;
	ycx_warn(&L->cx, n, key, "'%s' read as %lld, as pm2 reads it (parseInt)", n->str, *out);
	return 1;
}

static int parse_instances(struct eco_loader *L, const struct eco_option *o, const struct ynode *n,
    int *out)
{
	long long v;
	if (pm2_parse_int(L, n, o->name, &v)) {
		if (v < o->min || v > o->max) {
			ycx_error(&L->cx, n, o->name, "%lld is out of range [%lld, %lld]", v, o->min,
			    o->max);
			return -1;
		}
	} else if (n->kind == YNODE_SCALAR && strcasecmp(n->str, "max") == 0) {
		*out = cpu_count();
		return 0;
	} else if (n->kind != YNODE_SCALAR || ynode_is_null(n)) {
		ycx_error(&L->cx, n, o->name, "expected a number or max, got %s", ynode_what(n));
		return -1;
	} else if (yget_int(&L->cx, n, o->name, o->min, o->max, &v) < 0) {
		return -1;
	}
	/* pm2: 0 means one per CPU, -N one per CPU but N, never fewer than one */
	*out = v == 0 ? cpu_count() : v < 0 ? (cpu_count() + v >= 1 ? cpu_count() + (int)v : 1) : (int)v;
	return 0;
}

static int parse_autorestart(struct eco_loader *L, const struct ynode *n, enum autorestart *out)
{
	static const char *const names[] = { "always", "on-failure", "on_failure", "never" };
	static const enum autorestart values[] = { AUTORESTART_ALWAYS, AUTORESTART_ON_FAILURE,
		AUTORESTART_ON_FAILURE, AUTORESTART_NEVER };
	int b, idx;
	if (n->kind == YNODE_SCALAR && bool_word(n->str, &b) == 0) {
		*out = b ? AUTORESTART_ALWAYS : AUTORESTART_NEVER;
		return 0;
	}
	if (yget_enum(&L->cx, n, "autorestart", names, 4, &idx) < 0)
		return -1;
	*out = values[idx];
	return 0;
}

static int parse_signal(struct eco_loader *L, const char *key, const struct ynode *n, int *out)
{
	char *s;
	if (yget_str(&L->cx, n, key, &s) < 0)
		return -1;
	int sig = eco_signal_parse(s);
	if (sig < 0)
		ycx_error(&L->cx, n, key, "'%s' is not a signal (e.g. SIGTERM, INT or 15)", s);
	free(s);
	if (sig < 0)
		return -1;
	*out = sig;
	return 0;
}

static int parse_exit_codes(struct eco_loader *L, const struct eco_option *o, const struct ynode *n,
    struct app_spec *t)
{
	size_t count;
	const struct ynode *const *items = eco_items(&n, &count);
	if (count > SPEC_MAX_EXIT_CODES) {
		ycx_error(&L->cx, n, o->name, "more than %d codes", SPEC_MAX_EXIT_CODES);
		return -1;
	}
	int bad = 0;
	t->n_stop_exit_codes = 0;
	for (size_t i = 0; i < count; i++) {
		long long v;
		if (pm2_parse_int(L, items[i], o->name, &v) && v >= o->min && v <= o->max)
			t->stop_exit_codes[t->n_stop_exit_codes++] = (int)v;
		else if (yget_int(&L->cx, items[i], o->name, o->min, o->max, &v) < 0)
			bad = 1;
		else
			t->stop_exit_codes[t->n_stop_exit_codes++] = (int)v;
	}
	return bad ? -1 : 0;
}

/* out_file, error_file, log_file: a path pattern, or off. */
static int parse_log_path(struct eco_loader *L, struct eco_app *ra, int which, const char *key,
    const struct ynode *n)
{
	int b;
	if (n->kind == YNODE_SCALAR && n->plain && bool_word(n->str, &b) == 0) {
		ra->log_off[which] = !b;
		return 0;
	}
	char *s;
	if (yget_str(&L->cx, n, key, &s) < 0)
		return -1;
	/* pm2: NULL (psup: in any case) and /dev/null mean no file */
	if (strcmp(s, "/dev/null") == 0 || strcasecmp(s, "null") == 0 || !*s) {
		ra->log_off[which] = 1;
		free(s);
		return 0;
	}
	free(ra->log_pat[which]);
	ra->log_pat[which] = s;
	return 0;
}

/* A path or pattern, or a list of them (ignore_watch, watch). A pattern
 * that is not a string (a JavaScript RegExp reaches JSON as {}) is skipped
 * with a warning. */
static int parse_paths(struct eco_loader *L, const struct ynode *n, const char *key, char ***out)
{
	size_t count;
	const struct ynode *const *items = eco_items(&n, &count);
	if (n->kind != YNODE_SEQ && n->kind != YNODE_SCALAR) {
		ycx_error(&L->cx, n, key, "expected a path or a list of paths, got %s", ynode_what(n));
		return -1;
	}
	char **v = xcalloc(count + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		if (items[i]->kind != YNODE_SCALAR || ynode_is_null(items[i]) || !items[i]->str[0]) {
			ycx_warn(&L->cx, items[i], key, "not a path (a JavaScript RegExp? psup takes "
			    "names, paths and globs), ignored");
			continue;
		}
		v[k++] = xstrdup(items[i]->str);
	}
	strv_free(*out);
	*out = v;
	return 0;
}

static void parse_watch(struct eco_loader *L, struct eco_app *ra, const struct ynode *n)
{
	int b;
	strv_free(ra->watch);
	ra->watch = NULL;
	ra->watch_cwd = 0;
	if (n->kind == YNODE_SCALAR && n->plain && bool_word(n->str, &b) == 0) {
		ra->watch_cwd = b;
		return;
	}
	if (parse_paths(L, n, "watch", &ra->watch) == 0 && !ra->watch[0]) {
		/* pm2: an empty list watches the cwd */
		strv_free(ra->watch);
		ra->watch = NULL;
		ra->watch_cwd = 1;
	}
}

static void parse_cron(struct eco_loader *L, struct app_spec *t, const struct ynode *n)
{
	char *s, why[160];
	int b;
	if (n->kind == YNODE_SCALAR && n->plain && bool_word(n->str, &b) == 0 && !b)
		return;
	if (yget_str(&L->cx, n, "cron_restart", &s) < 0)
		return;
	struct cron c;
	if (strcmp(s, "0") == 0) {
		free(s);                /* pm2: 0 is no cron */
	} else if (cron_parse(s, &c, why, sizeof why) < 0) {
		ycx_error(&L->cx, n, "cron_restart", "%s", why);
		free(s);
	} else {
		t->cron_restart = s;
	}
}

void eco_value_parse(struct eco_loader *L, struct eco_app *ra, const struct eco_option *o,
    const struct ynode *n)
{
	struct app_spec *t = &ra->t;
	int v;
	switch (o->id) {
	case ECO_ID_NAME:
		parse_name(L, n, &t->name);
		break;
	case ECO_ID_SCRIPT:
		if (yget_str(&L->cx, n, o->name, &ra->script) == 0 && !ra->script[0]) {
			ycx_error(&L->cx, n, o->name, "is empty");
		}
		break;
	case ECO_ID_ARGS:
	case ECO_ID_INTERPRETER_ARGS:
		/* kept as words: each instance's argv is built from them */
		yget_strlist(&L->cx, n, o->name, YSPLIT_SHELL,
		    o->id == ECO_ID_ARGS ? &ra->args : &ra->iargs, &v);
		break;
	case ECO_ID_INTERPRETER:
	case ECO_ID_CWD:
		/* kept as written: resolved once every option is read */
		yget_str(&L->cx, n, o->name, o->id == ECO_ID_CWD ? &t->cwd : &ra->interpreter);
		break;
	case ECO_ID_ENV:
		eco_env_parse(L, ra, n, o->name);
		break;
	case ECO_ID_ENV_FILE:
		yget_str(&L->cx, n, o->name, &ra->env_file);
		break;
	case ECO_ID_INSTANCES:
		parse_instances(L, o, n, &ra->instances);
		break;
	case ECO_ID_EXEC_MODE: {
		static const char *const modes[] = { "fork", "fork_mode", "cluster", "cluster_mode" };
		if (yget_enum(&L->cx, n, o->name, modes, 4, &v) == 0 && v >= 2)
			ycx_warn(&L->cx, n, o->name, "cluster mode is not supported: each instance "
			    "runs as its own process (fork mode)");
		break;
	}
	case ECO_ID_AUTORESTART:
		parse_autorestart(L, n, &t->autorestart);
		break;
	case ECO_ID_STOP_EXIT_CODES:
		parse_exit_codes(L, o, n, t);
		break;
	case ECO_ID_STOP_SIGNAL:
		parse_signal(L, ra->key[o->id] ? ra->key[o->id]->str : o->name, n, &t->stop_signal);
		break;
	case ECO_ID_OUT_FILE:
	case ECO_ID_ERROR_FILE:
	case ECO_ID_LOG_FILE:
		parse_log_path(L, ra, o->id - ECO_ID_OUT_FILE,
		    ra->key[o->id] ? ra->key[o->id]->str : o->name, n);
		break;
	case ECO_ID_DISABLE_LOGS:
		yget_bool(&L->cx, n, o->name, &ra->disable_logs);
		break;
	case ECO_ID_MERGE_LOGS:
		yget_bool(&L->cx, n, o->name, &ra->merge_logs);
		break;
	case ECO_ID_APPEND_ENV:
		yget_bool(&L->cx, n, o->name, &ra->append_env);
		break;
	case ECO_ID_AFTER:
		yget_strlist(&L->cx, n, o->name, YSPLIT_SPACES, &t->after, &v);
		if (t->after && !t->after[0]) {
			free(t->after);
			t->after = NULL;
		}
		break;
	case ECO_ID_LOG_TYPE: {
		static const char *const types[] = { "raw", "json" };
		if (yget_enum(&L->cx, n, o->name, types, 2, &v) == 0)
			t->log_json = v == 1;
		break;
	}
	case ECO_ID_CRON_RESTART:
		parse_cron(L, t, n);
		break;
	case ECO_ID_WATCH:
		parse_watch(L, ra, n);
		break;
	case ECO_ID_IGNORE_WATCH:
		parse_paths(L, n, o->name, &t->ignore_watch);
		break;
	case ECO_ID_PID_FILE:
		yget_str(&L->cx, n, o->name, &ra->pid_file);
		break;
	case ECO_ID_RESTART_DELAY:
	case ECO_ID_EXP_BACKOFF: {
		long long ms;
		if (pm2_parse_int(L, n, o->name, &ms) && ms >= o->min && ms <= o->max)
			*(long long *)((char *)t + o->offset) = ms;
		else
			parse_plain(L, o, n, t);
		break;
	}
	default:
		parse_plain(L, o, n, t);
		break;
	}
}
