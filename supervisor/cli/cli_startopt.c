/* pm2's start options, one table, each to the ecosystem option it sets
 * (see cli_startopt.h). */
#include "cli_startopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

enum so_kind {
	SO_VALUE,        /* the next word: a number when it is one, else a string */
	SO_STRING,       /* the next word, as a string */
	SO_TRUE,         /* a flag setting the option true */
	SO_FALSE,        /* a flag setting the option false (--no-...) */
	SO_CODES,        /* one or more exit codes: the next words while they are
	                  * numbers, or one word of comma-separated numbers */
	SO_WATCH,        /* --watch: true, or --watch=PATH[,PATH] */
	SO_ENV,          /* --env NAME: the command's own */
	SO_ONLY,         /* --only A,B: the command's own */
	SO_UPDATE_ENV,   /* --update-env: the command's own */
	SO_NOOP,         /* pm2 flags with nothing to do in psup */
	SO_PM2_ONLY,     /* pm2 flags for node or pm2's runtime: warned of, as the
	                  * file options of the same kind are */
	SO_PM2_ONLY_VALUE, /* the same, with a value */
	SO_REFUSED,      /* pm2 options psup cannot honour safely: an error */
};

/* why the pm2 options below are ignored or refused */
#define NODE_ONLY "node only: not supported"
#define KEYMETRICS "Keymetrics: not supported"
#define AS_USER "psup runs apps as the user who runs it: run psup as that user (a home per user)"

static const struct start_opt {
	const char *lng, *shrt;  /* "--name", "-n" (NULL when none) */
	enum so_kind kind;
	const char *key;         /* the ecosystem option; for SO_PM2_ONLY* and
	                          * SO_REFUSED, why */
} opts[] = {
	{ "--name", "-n", SO_STRING, "name" },
	{ "--instances", "-i", SO_VALUE, "instances" },
	{ "--interpreter", NULL, SO_STRING, "interpreter" },
	{ "--interpreter-args", NULL, SO_STRING, "interpreter_args" },
	{ "--node-args", NULL, SO_STRING, "interpreter_args" },
	{ "--cwd", NULL, SO_STRING, "cwd" },
	{ "--env-file", NULL, SO_STRING, "env_file" },
	{ "--time", NULL, SO_TRUE, "time" },
	{ "--log-date-format", NULL, SO_STRING, "log_date_format" },
	{ "--log-type", NULL, SO_STRING, "log_type" },
	{ "--output", "-o", SO_STRING, "out_file" },
	{ "--error", "-e", SO_STRING, "error_file" },
	{ "--log", "-l", SO_STRING, "log_file" },
	{ "--merge-logs", NULL, SO_TRUE, "merge_logs" },
	{ "--disable-logs", NULL, SO_TRUE, "disable_logs" },
	{ "--max-memory-restart", NULL, SO_VALUE, "max_memory_restart" },
	{ "--restart-delay", NULL, SO_VALUE, "restart_delay" },
	{ "--exp-backoff-restart-delay", NULL, SO_VALUE, "exp_backoff_restart_delay" },
	{ "--crash-backoff", NULL, SO_VALUE, "crash_backoff" },
	{ "--max-restarts", NULL, SO_VALUE, "max_restarts" },
	{ "--min-uptime", NULL, SO_VALUE, "min_uptime" },
	{ "--kill-timeout", "-k", SO_VALUE, "kill_timeout" },
	{ "--stop-exit-codes", NULL, SO_CODES, "stop_exit_codes" },
	{ "--no-autorestart", NULL, SO_FALSE, "autorestart" },
	{ "--no-autostart", NULL, SO_FALSE, "autostart" },
	{ "--cron-restart", "-c", SO_STRING, "cron_restart" },
	{ "--cron", NULL, SO_STRING, "cron_restart" },
	{ "--watch", NULL, SO_WATCH, "watch" },
	{ "--ignore-watch", NULL, SO_STRING, "ignore_watch" },
	{ "--watch-delay", NULL, SO_VALUE, "watch_delay" },
	{ "--after", NULL, SO_STRING, "after" },
	{ "--namespace", NULL, SO_STRING, "namespace" },
	{ "--pid", "-p", SO_STRING, "pid_file" },
	{ "--env", NULL, SO_ENV, NULL },
	{ "--only", NULL, SO_ONLY, NULL },
	{ "--update-env", "-a", SO_UPDATE_ENV, NULL },
	{ "--force", "-f", SO_NOOP, NULL },
	{ "--execute-command", "-x", SO_NOOP, NULL },
	{ "--no-vizion", NULL, SO_NOOP, NULL },
	{ "--no-pmx", NULL, SO_NOOP, NULL },
	{ "--no-automation", NULL, SO_NOOP, NULL },
	{ "--no-treekill", NULL, SO_NOOP, NULL },
	{ "--wait-ready", NULL, SO_PM2_ONLY, "node's process.send('ready'): not supported" },
	{ "--listen-timeout", NULL, SO_PM2_ONLY_VALUE, "reload timeouts: not supported" },
	{ "--shutdown-with-message", NULL, SO_PM2_ONLY, "node IPC shutdown: not supported; use "
	  "stop_signal" },
	{ "--source-map-support", NULL, SO_PM2_ONLY, NODE_ONLY },
	{ "--disable-source-map-support", NULL, SO_PM2_ONLY, NODE_ONLY },
	{ "--trace", NULL, SO_PM2_ONLY, KEYMETRICS },
	{ "--disable-trace", NULL, SO_PM2_ONLY, KEYMETRICS },
	{ "--v8", NULL, SO_PM2_ONLY, KEYMETRICS },
	{ "--event-loop-inspector", NULL, SO_PM2_ONLY, KEYMETRICS },
	{ "--deep-monitoring", NULL, SO_PM2_ONLY, KEYMETRICS },
	{ "--ext", NULL, SO_PM2_ONLY_VALUE, "watching by extension: not supported (with --watch "
	  "any change counts; ignore the rest with --ignore-watch)" },
	{ "--parallel", NULL, SO_PM2_ONLY_VALUE, "not needed: psup acts on many apps at once" },
	{ "--attach", NULL, SO_PM2_ONLY, "follow the logs with psup logs NAME" },
	{ "--filter-env", NULL, SO_PM2_ONLY_VALUE, "not supported: the app gets the environment "
	  "psup start runs in, and the file's env" },
	{ "--wait-ip", NULL, SO_PM2_ONLY, "pm2 startup's: psup startup's unit always waits for "
	  "the network" },
	{ "--user", "-u", SO_REFUSED, AS_USER },
	{ "--uid", NULL, SO_REFUSED, AS_USER },
	{ "--gid", NULL, SO_REFUSED, AS_USER },
	{ "--no-daemon", NULL, SO_REFUSED, "to keep psup in the foreground (a container's "
	  "program), run `psup daemon` and start the apps with `psup start` beside it" },
};

const char cli_startopt_help[] =
	"Options (pm2's; each sets the ecosystem option of the same meaning):\n"
	"  -n, --name NAME            app name (default: the script's base name)\n"
	"  -i, --instances N|max      run N copies, NAME-1..NAME-N\n"
	"  --interpreter X            bash, node, python3, none, or a path\n"
	"  --interpreter-args ARGS    arguments for the interpreter (--node-args)\n"
	"  --cwd DIR                  working directory\n"
	"  --env-file FILE            KEY=VALUE lines for the environment\n"
	"  --time, --log-date-format F  timestamp each log line\n"
	"  -o, --output F / -e, --error F / -l, --log F   out, error, combined log\n"
	"  --max-memory-restart SIZE, --restart-delay D, --exp-backoff-restart-delay D,\n"
	"  --max-restarts N, --min-uptime D, -k, --kill-timeout D,\n"
	"  --stop-exit-codes C..., --no-autorestart, --no-autostart,\n"
	"  -c, --cron-restart EXPR, --watch[=PATHS], --after NAMES, --namespace NS\n"
	"  --env NAME                 a file's apps take env_NAME over env\n"
	"  --only A,B                 only these apps of a file\n"
	"  --merge-logs               instances share the -o/-e/-l files given\n"
	"  -f, -x and --no-vizion/pmx/automation/treekill are accepted\n"
	"  pm2's options for node or Keymetrics (--wait-ready, --listen-timeout, --trace,\n"
	"  ...) are ignored with a warning; --user, --uid, --gid and --no-daemon refused\n"
	"Words after -- are the app's arguments.";

static const struct start_opt *opt_find(const char *w, size_t len)
{
	for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
		const struct start_opt *o = &opts[i];
		if ((strlen(o->lng) == len && strncmp(o->lng, w, len) == 0) ||
		    (o->shrt && strlen(o->shrt) == len && strncmp(o->shrt, w, len) == 0))
			return o;
	}
	return NULL;
}

static int is_int_word(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s || strlen(s) > 15)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static cJSON *value_json(const char *v, int as_string)
{
	return !as_string && is_int_word(v) ? cJSON_CreateNumber(strtod(v, NULL))
	    : cJSON_CreateString(v);
}

static int fail_word(char **err, const char *fmt, const char *word)
{
	*err = xasprintf(fmt, word);
	return -1;
}

/* Adds the comma-separated codes of word to arr; -1 when one is no number. */
static int add_codes(cJSON *arr, const char *word)
{
	char *copy = xstrdup(word), *save = NULL;
	int bad = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!is_int_word(t))
			bad = 1;
		else
			cJSON_AddItemToArray(arr, cJSON_CreateNumber(strtod(t, NULL)));
	}
	free(copy);
	return bad || cJSON_GetArraySize(arr) == 0 ? -1 : 0;
}

static void app_set(struct cli_startopt *o, const char *key, cJSON *v)
{
	if (!o->app)
		o->app = cJSON_CreateObject();
	if (cJSON_GetObjectItemCaseSensitive(o->app, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o->app, key, v);
	else
		cJSON_AddItemToObject(o->app, key, v);
}

/* One option word at argv[*i] (its value after '=' or in the next word).
 * Returns 0 and advances *i past what it used, or -1 with *err. */
static int take_option(int argc, char **argv, int *i, struct cli_startopt *o, char **err)
{
	const char *w = argv[*i];
	const char *eq = strncmp(w, "--", 2) == 0 ? strchr(w, '=') : NULL;
	size_t len = eq ? (size_t)(eq - w) : strlen(w);
	const struct start_opt *so = opt_find(w, len);
	if (!so)
		return fail_word(err, "unknown option '%s' (see psup help start)", w);
	if (so->kind == SO_REFUSED) {
		*err = xasprintf("%s is pm2's, and refused: %s", so->lng, so->key);
		return -1;
	}
	if (so->kind == SO_PM2_ONLY || so->kind == SO_PM2_ONLY_VALUE) {
		char *line = xasprintf("%s%s is pm2's, ignored: %s\n", o->warnings ? o->warnings : "",
		    so->lng, so->key);
		free(o->warnings);
		o->warnings = line;
	}
	int flag = so->kind == SO_TRUE || so->kind == SO_FALSE || so->kind == SO_UPDATE_ENV ||
	    so->kind == SO_NOOP || so->kind == SO_PM2_ONLY;
	if (flag && eq)
		return fail_word(err, "%s takes no value", so->lng);
	(*i)++;
	if (so->kind == SO_WATCH) {
		if (!eq) {
			app_set(o, so->key, cJSON_CreateBool(1));
			return 0;
		}
		cJSON *paths = cJSON_CreateArray();
		char *copy = xstrdup(eq + 1), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(paths, cJSON_CreateString(t));
		free(copy);
		app_set(o, so->key, paths);
		return 0;
	}
	if (flag) {
		if (so->kind == SO_TRUE || so->kind == SO_FALSE)
			app_set(o, so->key, cJSON_CreateBool(so->kind == SO_TRUE));
		else if (so->kind == SO_UPDATE_ENV)
			o->update_env = 1;
		return 0;
	}
	const char *v = eq ? eq + 1 : NULL;
	if (!v) {
		if (*i >= argc)
			return fail_word(err, "%s needs a value", so->lng);
		v = argv[(*i)++];
	}
	switch (so->kind) {
	case SO_CODES: {
		cJSON *codes = cJSON_CreateArray();
		int bad = add_codes(codes, v);
		/* pm2's variadic form: --stop-exit-codes 0 2 3 */
		while (!bad && !eq && *i < argc && is_int_word(argv[*i]))
			bad = add_codes(codes, argv[(*i)++]);
		if (bad) {
			cJSON_Delete(codes);
			return fail_word(err, "--stop-exit-codes: '%s' is not a list of exit codes", v);
		}
		app_set(o, so->key, codes);
		return 0;
	}
	case SO_ENV:
		free(o->env_name);
		o->env_name = xstrdup(v);
		return 0;
	case SO_ONLY:
		free(o->only);
		o->only = xstrdup(v);
		return 0;
	case SO_PM2_ONLY_VALUE:
		return 0;
	default:
		if (!*v)
			return fail_word(err, "%s needs a value", so->lng);
		app_set(o, so->key, value_json(v, so->kind == SO_STRING));
		return 0;
	}
}

int cli_startopt_parse(int argc, char **argv, struct cli_startopt *o, char **err)
{
	memset(o, 0, sizeof *o);
	*err = NULL;
	o->rest = xcalloc((size_t)argc + 1, sizeof *o->rest);
	for (int i = 0; i < argc; ) {
		const char *w = argv[i];
		if (strcmp(w, "--") == 0) {
			o->dashdash = 1;
			for (i++; i < argc; i++)
				o->rest[o->nrest++] = xstrdup(argv[i]);
			break;
		}
		if (w[0] == '-' && w[1] != '\0') {
			if (take_option(argc, argv, &i, o, err) < 0)
				return -1;
			continue;
		}
		if (!o->target)
			o->target = xstrdup(w);
		else
			o->rest[o->nrest++] = xstrdup(w);
		i++;
	}
	return 0;
}

void cli_startopt_free(struct cli_startopt *o)
{
	free(o->target);
	for (int i = 0; i < o->nrest; i++)
		free(o->rest[i]);
	free(o->rest);
	cJSON_Delete(o->app);
	free(o->env_name);
	free(o->only);
	free(o->warnings);
	memset(o, 0, sizeof *o);
}

char *cli_startopt_name(const char *script)
{
	size_t wl = strcspn(script, " \t");
	char *word = xstrndup(script, wl);
	const char *slash = strrchr(word, '/');
	const char *base = slash ? slash + 1 : word;
	const char *dot = strrchr(base, '.');
	size_t bl = dot && dot > base ? (size_t)(dot - base) : strlen(base);
	char *name = xstrndup(base, bl);
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '-';
	free(word);
	if (!*name) {
		free(name);
		return xstrdup("app");
	}
	return name;
}
