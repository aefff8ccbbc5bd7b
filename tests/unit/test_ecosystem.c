/* The ecosystem loader: every option of a good file, pm2 files with
 * warnings, and bad files whose every error is checked for its exact
 * FILE:LINE:COL and key. Fixtures are in tests/fixtures/eco/. */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ecosystem.h"
#include "ecosystem_options.h"
#include "tap.h"
#include "xalloc.h"
#include "yaml_file.h"

#define FX "tests/fixtures/eco/"

static char *root;               /* absolute repo root */

static const char *argv_at(const struct app_spec *s, int i)
{
	for (int k = 0; k <= i; k++)
		if (!s->argv[k])
			return NULL;
	return s->argv[i];
}

static int has_line(char **v, int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], want) == 0)
			return 1;
	return 0;
}

static void dump(const struct eco *e)
{
	for (int i = 0; i < e->n_errors; i++)
		diag("error: %s", e->errors[i]);
	for (int i = 0; i < e->n_warnings; i++)
		diag("warning: %s", e->warnings[i]);
}

/* Loads a bad fixture and checks it fails with exactly these errors, in
 * this order. */
static void expect_errors(const char *file, const char *const *want, int n)
{
	struct eco e;
	int r = eco_load(file, &e);
	ok(r == -1 && e.n_apps == 0 && e.apps == NULL, "%s fails, no apps", file);
	is_int(e.n_errors, n, "%s: %d errors", file, n);
	for (int i = 0; i < n; i++) {
		const char *got = i < e.n_errors ? e.errors[i] : "(missing)";
		is_str(got, want[i], "%s error %d", file, i + 1);
	}
	if (e.n_errors != n)
		dump(&e);
	eco_free(&e);
}

static void test_full(void)
{
	struct eco e;
	int r = eco_load(FX "full.yaml", &e);
	ok(r == 0, "full.yaml loads");
	if (r) {
		dump(&e);
		eco_free(&e);
		return;
	}
	char *dir = xasprintf("%s/tests/fixtures/eco", root);
	char *path = xasprintf("%s/full.yaml", dir);
	is_str(e.path, path, "absolute path");
	char *logdir = xasprintf("%s/var/log", dir);
	is_str(e.log_dir, logdir, "log_dir resolved beside the file");
	is_int(e.n_apps, 3, "api x2 + db");
	is_int(e.n_warnings, 0, "no warnings");
	dump(&e);

	const struct app_spec *a = &e.apps[0], *a2 = &e.apps[1], *db = &e.apps[2];
	is_str(a->name, "api-1", "instance name 1");
	is_str(a2->name, "api-2", "instance name 2");
	is_str(a->group, "api", "group");
	is_str(a->source, path, "source");
	is_int(a->instance, 1, "instance");
	is_int(a2->instance, 2, "instance 2");
	is_int(a->instances, 2, "instances");
	char *cwd = xasprintf("%s/srv", dir);
	is_str(a->cwd, cwd, "cwd relative to the file");
	is_str(argv_at(a, 0), "/bin/bash", "interpreter is argv[0]");
	is_str(argv_at(a, 1), "-e", "interpreter_args");
	is_str(argv_at(a, 2), "-u", "interpreter_args 2");
	char *script = xasprintf("%s/bin/server", cwd);
	is_str(argv_at(a, 3), script, "script resolved against cwd");
	is_str(a->script, script, "the file the interpreter runs, for the keeper to check");
	is_str(argv_at(a, 4), "--port", "args split");
	is_str(argv_at(a, 5), "801", "{instance} substituted");
	is_str(argv_at(a2, 5), "802", "{instance} substituted in instance 2");
	is_str(argv_at(a, 6), "two words", "double quotes");
	is_str(argv_at(a, 7), "x y", "single quotes");
	ok(argv_at(a, 8) == NULL, "argv ends");
	ok(a->env && strcmp(a->env[0], "PORT=8080") == 0 && strcmp(a->env[1], "DEBUG=true") == 0 &&
	    strcmp(a->env[2], "EMPTY=") == 0 && strcmp(a->env[3], "QUOTED=a=b c") == 0 &&
	    a->env[4] == NULL, "env as strings, in order");
	is_int(a->autorestart, AUTORESTART_ON_FAILURE, "autorestart on-failure");
	is_int(a->autostart, 0, "autostart false");
	is_int(a->max_restarts, 3, "max_restarts");
	is_int(a->min_uptime_ms, 2000, "min_uptime");
	is_int(a->restart_delay_ms, 250, "restart_delay");
	is_int(a->exp_backoff_ms, 100, "exp_backoff_restart_delay");
	is_int(a->exp_backoff_max_ms, 60000, "exp_backoff_max");
	is_int(a->crash_backoff_ms, 2000, "crash_backoff");
	ok(a->n_stop_exit_codes == 2 && a->stop_exit_codes[0] == 0 && a->stop_exit_codes[1] == 3,
	    "stop_exit_codes list");
	is_int(a->kill_timeout_ms, 5000, "kill_timeout");
	is_int(a->stop_signal, SIGINT, "stop_signal");
	is_int(a->max_memory_restart, 200LL * 1024 * 1024, "max_memory_restart");
	char *out1 = xasprintf("%s/out-1.log", cwd), *out2 = xasprintf("%s/out-2.log", cwd);
	is_str(a->out_file, out1, "out_file relative to cwd, {instance} substituted");
	is_str(a2->out_file, out2, "out_file of instance 2");
	is_str(a->err_file, "/tmp/psup-err.log", "absolute error_file");
	ok(a->combined_file == NULL, "log_file: false disables it");
	is_int(a->time, 1, "time");
	is_str(a->log_date_format, "%H:%M:%S", "log_date_format");
	is_int(a->log_max_size, 10 * 1024 * 1024, "log_max_size");
	is_int(a->log_retain, 3, "log_retain");
	ok(a->after && strcmp(a->after[0], "db") == 0 && !a->after[1], "after");

	is_str(db->name, "db", "single instance keeps its name");
	is_str(db->group, "db", "group equals name");
	is_int(db->instances, 1, "one instance");
	is_str(argv_at(db, 0), "/bin/sleep", "absolute script");
	is_str(argv_at(db, 1), "1000", "args as a list");
	ok(argv_at(db, 2) == NULL, "db argv ends");
	is_int(db->stop_signal, SIGKILL, "kill_signal alias, as a number");
	ok(db->n_stop_exit_codes == 1 && db->stop_exit_codes[0] == 7, "one stop_exit_code");
	is_int(db->autorestart, AUTORESTART_NEVER, "autorestart false = never");
	ok(!db->out_file && !db->err_file && !db->combined_file, "disable_logs");
	is_str(db->cwd, dir, "cwd defaults to the file's folder");
	ok(db->env == NULL, "no env");
	ok(db->after == NULL, "no after");

	free(dir);
	free(path);
	free(logdir);
	free(cwd);
	free(script);
	free(out1);
	free(out2);
	eco_free(&e);
}

/* Defaults: the table's defaults are spec_defaults(), and the default logs. */
static void test_defaults(void)
{
	struct eco e;
	int r = eco_load(FX "minimal.yaml", &e);
	ok(r == 0 && e.n_apps == 1, "bare list of apps loads");
	if (r) {
		dump(&e);
		eco_free(&e);
		return;
	}
	struct app_spec d;
	spec_defaults(&d);
	const struct app_spec *s = &e.apps[0];
	is_int(s->autorestart, d.autorestart, "default autorestart");
	is_int(s->autostart, d.autostart, "default autostart");
	is_int(s->max_restarts, d.max_restarts, "default max_restarts");
	is_int(s->min_uptime_ms, d.min_uptime_ms, "default min_uptime");
	is_int(s->restart_delay_ms, d.restart_delay_ms, "default restart_delay");
	is_int(s->exp_backoff_ms, d.exp_backoff_ms, "default exp_backoff_restart_delay");
	is_int(s->exp_backoff_max_ms, d.exp_backoff_max_ms, "default exp_backoff_max");
	is_int(s->crash_backoff_ms, d.crash_backoff_ms, "default crash_backoff");
	is_int(d.crash_backoff_ms, 100, "which is 100 ms");
	is_int(s->kill_timeout_ms, d.kill_timeout_ms, "default kill_timeout");
	is_int(s->stop_signal, d.stop_signal, "default stop_signal");
	is_int(s->max_memory_restart, d.max_memory_restart, "default max_memory_restart");
	is_int(s->log_retain, d.log_retain, "default log_retain");
	is_int(s->log_max_size, d.log_max_size, "default log_max_size");
	is_int(s->time, d.time, "default time");
	is_int(s->n_stop_exit_codes, 0, "no stop_exit_codes");
	ok(s->log_date_format == NULL, "default log_date_format");
	spec_free(&d);

	char *logs = xasprintf("%s/tests/fixtures/eco/logs", root);
	is_str(e.log_dir, logs, "log_dir defaults to logs/ beside the file");
	char *out = xasprintf("%s/one-out.log", logs), *err = xasprintf("%s/one-error.log", logs),
	     *comb = xasprintf("%s/one-combined.log", logs);
	is_str(s->out_file, out, "default out log");
	is_str(s->err_file, err, "default error log");
	is_str(s->combined_file, comb, "default combined log");
	free(logs);
	free(out);
	free(err);
	free(comb);
	eco_free(&e);

	size_t n;
	const struct eco_option *opts = eco_options(&n);
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		ok(opts[i].help && opts[i].help[0], "option %s has help", opts[i].name);
		if (opts[i].alias_of && !eco_option_find(opts[i].alias_of)) {
			diag("alias %s of unknown %s", opts[i].name, opts[i].alias_of);
			bad = 1;
		}
	}
	ok(!bad, "every alias names an option");
	ok(eco_option_canonical(eco_option_find("output")) == eco_option_find("out_file"),
	    "output is out_file");
	is_int(eco_signal_parse("SIGTERM"), SIGTERM, "SIGTERM");
	is_int(eco_signal_parse("int"), SIGINT, "int");
	is_int(eco_signal_parse("9"), SIGKILL, "9");
	is_int(eco_signal_parse("0"), -1, "0 is not a signal");
	is_int(eco_signal_parse("99999999999"), -1, "huge number refused");
	is_int(eco_signal_parse("SIG"), -1, "SIG alone refused");
	is_str(eco_signal_name(SIGHUP), "SIGHUP", "name of 1");
}

static void test_pm2_style(void)
{
	struct eco e;
	int r = eco_load(FX "pm2-style.yaml", &e);
	ok(r == 0, "pm2-style.yaml loads");
	dump(&e);
	if (r) {
		eco_free(&e);
		return;
	}
	is_int(e.n_apps, 5, "web x4 + worker");
	const char *const warns[] = {
		FX "pm2-style.yaml:9:16: exec_mode: cluster mode is not supported: each instance "
		    "runs as its own process (fork mode)",
		FX "pm2-style.yaml:35:1: deploy: pm2 option not supported, ignored",
	};
	int nw = (int)(sizeof warns / sizeof *warns);
	is_int(e.n_warnings, nw, "warnings");
	for (int i = 0; i < nw; i++)
		ok(has_line(e.warnings, e.n_warnings, warns[i]), "warning: %s", warns[i]);
	ok(!has_line(e.warnings, e.n_warnings, FX "pm2-style.yaml:24:5: wait_ready: pm2 option "
	    "not supported, ignored"), "wait_ready: false does not warn");

	const struct app_spec *w = &e.apps[0];
	is_str(w->name, "web-1", "web-1");
	is_str(w->cwd, "/srv/web", "absolute cwd");
	ok(argv_at(w, 0) && (strcmp(argv_at(w, 0), "node") == 0 ||
	    strstr(argv_at(w, 0), "/node") != NULL), ".js runs with node (%s)", argv_at(w, 0));
	is_str(argv_at(w, 1), "--max-old-space-size=512", "node_args");
	is_str(argv_at(w, 2), "/srv/web/server.js", "script");
	is_str(w->out_file, "/srv/web/logs/web-out.log", "output alias, relative to cwd");
	is_str(w->err_file, "/srv/web/logs/web-error.log", "error alias");
	is_int(w->kill_timeout_ms, 3000, "kill_timeout in ms");
	is_int(w->max_memory_restart, 300LL << 20, "300M");
	ok(w->env && strcmp(w->env[0], "NODE_ENV=development") == 0 && !w->env[1], "env only");
	ok(w->watch && w->watch[0] && strcmp(w->watch[0], "/srv/web") == 0 && !w->watch[1],
	    "watch: true watches the cwd");
	ok(w->ignore_watch && strcmp(w->ignore_watch[1], "logs") == 0, "ignore_watch");
	is_str(w->log_date_format, "YYYY-MM-DD HH:mm Z", "a day.js date format");
	is_int(w->time, 1, "turns the stamps on");
	const struct app_spec *k = &e.apps[4];
	is_str(k->name, "worker", "worker");
	ok(argv_at(k, 0) && strstr(argv_at(k, 0), "python3"), ".py runs with python3");
	is_str(argv_at(k, 2), "--queue", "args");
	is_int(k->restart_delay_ms, 4000, "restart_delay ms");
	is_int(k->min_uptime_ms, 10000, "min_uptime 10s");
	is_str(k->cron_restart, "0 * * * *", "cron_restart");
	eco_free(&e);
}

static void test_anchors(void)
{
	struct eco e;
	int r = eco_load(FX "anchors.yaml", &e);
	ok(r == 0 && e.n_apps == 2, "anchors.yaml loads");
	dump(&e);
	if (r == 0) {
		is_int(e.apps[0].autorestart, AUTORESTART_ON_FAILURE, "merged autorestart");
		is_int(e.apps[0].kill_timeout_ms, 3000, "merged kill_timeout");
		is_int(e.apps[1].kill_timeout_ms, 1000, "own kill_timeout wins");
		ok(e.apps[1].env && strcmp(e.apps[1].env[0], "MODE=batch") == 0, "merged env");
	}
	eco_free(&e);
}

static void test_bad(void)
{
	static const char *const types[] = {
		FX "bad-types.yaml:4:5: autorestrat: unknown option (did you mean autorestart?)",
		FX "bad-types.yaml:14:5: tiem: unknown option (did you mean time?)",
		FX "bad-types.yaml:17:5: frobnicate: unknown option",
		FX "bad-types.yaml:10:10: env: expected a map of NAME: value, got a list",
		FX "bad-types.yaml:5:16: instances: expected a whole number, got 'many'",
		FX "bad-types.yaml:8:16: autostart: expected true or false, got 'maybe'",
		FX "bad-types.yaml:11:19: max_restarts: -1 is out of range (0 to 1000000)",
		FX "bad-types.yaml:6:17: min_uptime: bad duration '2x': unknown unit (use ms, s, m, h "
		    "or d) (e.g. 500ms, 2s, 5m, 1h or milliseconds)",
		FX "bad-types.yaml:12:26: stop_exit_codes: 300 is out of range (0 to 255)",
		FX "bad-types.yaml:13:19: kill_timeout: bad duration '-5s': negative (e.g. 500ms, 2s, "
		    "5m, 1h or milliseconds)",
		FX "bad-types.yaml:9:18: stop_signal: 'SIGFOO' is not a signal (e.g. SIGTERM, INT or 15)",
		FX "bad-types.yaml:7:25: max_memory_restart: bad size '1Q': unknown unit (use B, K, M, "
		    "G or T) (e.g. 512K, 200M, 1G or bytes)",
		FX "bad-types.yaml:15:17: log_retain: expected a whole number, got '1.5'",
	};
	expect_errors(FX "bad-types.yaml", types, (int)(sizeof types / sizeof *types));

	static const char *const missing[] = {
		FX "bad-missing.yaml:2:5: script: missing (every app needs a script)",
		FX "bad-missing.yaml:5:11: name: 'bad name' may hold only letters, digits, '.', '_', "
		    "'-' and '/'",
		FX "bad-missing.yaml:7:11: name: '123' is only digits, which psup would take for an "
		    "app id",
		FX "bad-missing.yaml:8:12: script: has no value",
		FX "bad-missing.yaml:9:5: apps: each app must be a map of options, got a string",
		FX "bad-missing.yaml:13:5: out_file: already given as output at line 12, column 5; "
		    "give only one",
		FX "bad-missing.yaml:10:11: name: 'all' is reserved",
	};
	expect_errors(FX "bad-missing.yaml", missing, (int)(sizeof missing / sizeof *missing));

	static const char *const dup[] = {
		FX "bad-dup.yaml:9:11: name: duplicate app name 'job' (first at line 7, column 11)",
	};
	expect_errors(FX "bad-dup.yaml", dup, 1);

	/* once written names are unique, instance names are checked */
	static const char *const dup2[] = {
		"t.yaml:4:9: name: app name 'web-2' is also made by app 'web' (line 1, column 9; "
		"instances are named NAME-1..NAME-N)",
	};
	const char *text = "- name: web\n  script: /bin/true\n  instances: 2\n- name: web-2\n"
	    "  script: /bin/true\n";
	struct eco e;
	ok(eco_load_buffer("t.yaml", "/tmp", text, strlen(text), &e) == -1 && e.n_errors == 1,
	    "instance name clash fails");
	is_str(e.n_errors ? e.errors[0] : "", dup2[0], "instance name clash message");
	eco_free(&e);

	static const char *const after[] = {
		FX "bad-after.yaml:4:16: after: no app or group named 'nosuch' in this file",
	};
	expect_errors(FX "bad-after.yaml", after, 1);

	static const char *const cycle[] = {
		FX "bad-cycle.yaml:10:12: after: cycle: a -> b -> c -> a",
		FX "bad-cycle.yaml:13:12: after: cycle: d -> d",
	};
	expect_errors(FX "bad-cycle.yaml", cycle, 2);

	static const char *const top[] = {
		FX "bad-top.yaml:1:1: log_dri: unknown top-level key (did you mean log_dir?)",
		FX "bad-top.yaml:2:1: name: an app option at the top level; put each app in the list "
		    "under apps:",
		FX "bad-top.yaml:6:5: log_dir: unknown app option: log_dir is a top-level key, beside "
		    "apps:",
	};
	expect_errors(FX "bad-top.yaml", top, 3);

	static const char *const yaml[] = {
		FX "bad-yaml.yaml:3:1: yaml: found a tab character that violates indentation, while "
		    "scanning a plain scalar (started at 2:11); tabs cannot indent YAML, use spaces",
	};
	expect_errors(FX "bad-yaml.yaml", yaml, 1);
}

static void test_buffers(void)
{
	struct {
		const char *text;
		const char *error;
	} cases[] = {
		{ "", "t.yaml:1:1: apps: the file is empty (expected apps:, a list of apps)" },
		{ "apps: []\n", "t.yaml:1:7: apps: the list is empty" },
		{ "apps: x\n", "t.yaml:1:7: apps: expected a list of apps, got a string" },
		{ "42\n", "t.yaml:1:1: expected apps: (a list of apps), got a string" },
		{ "log_dir: x\n", "t.yaml:1:1: apps: missing (the list of apps)" },
		{ "- name: a\n  script: b\n  instances: 1025\n",
		  "t.yaml:3:14: instances: 1025 is out of range (-1024 to 1024)" },
		{ "- name: a\n  script: b\n  autorestart: sometimes\n",
		  "t.yaml:3:16: autorestart: 'sometimes' is not one of: always, on-failure, "
		  "on_failure, never" },
		{ "- name: a\n  script: b\n  exec_mode: turbo\n",
		  "t.yaml:3:14: exec_mode: 'turbo' is not one of: fork, fork_mode, cluster, "
		  "cluster_mode" },
		{ "- name: a\n  script: b\n  args: \"unterminated\n  x\"\n  interpreter_args: \"'a\"\n",
		  "t.yaml:5:21: interpreter_args: cannot split ''a' into words: unterminated quote" },
		{ "- name: a\n  script: b\n  env: {\"\": x}\n",
		  "t.yaml:3:9: env: '' is not a variable name (empty or holds '=')" },
		{ "- name: a\n  script: b\n  stop_exit_codes: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
		  "17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33]\n",
		  "t.yaml:3:20: stop_exit_codes: more than 32 codes" },
		{ "- name: a\n  script: b\n  merge_logs: sure\n",
		  "t.yaml:3:15: merge_logs: expected true or false, got 'sure'" },
		{ "- name: a\n  script: b\n  name: c\n",
		  "t.yaml:3:3: name: duplicate key 'name' (first at line 1, column 3)" },
		{ "- name: a\n  script: ''\n", "t.yaml:2:11: script: is empty" },
		{ "- name: a\n  script: b\n  instances: 600\n- name: c\n  script: b\n  instances: 600\n"
		  "- name: d\n  script: b\n  instances: 600\n- name: e\n  script: b\n  instances: 600\n"
		  "- name: f\n  script: b\n  instances: 600\n- name: g\n  script: b\n  instances: 600\n"
		  "- name: h\n  script: b\n  instances: 600\n",
		  "t.yaml:21:14: instances: 600 more would make 4200 apps in the file, over psup's "
		  "limit of 4096 apps per file (each instance counts)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct eco e;
		int r = eco_load_buffer("t.yaml", "/tmp", cases[i].text, strlen(cases[i].text), &e);
		ok(r == -1 && e.n_errors >= 1, "case %zu fails", i);
		is_str(e.n_errors ? e.errors[0] : "", cases[i].error, "case %zu message", i);
		if (e.n_errors != 1)
			dump(&e);
		eco_free(&e);
	}

	/* instances: max, and a bare script found in PATH */
	const char *text = "- name: m\n  script: sh\n  instances: max\n  args: [-c, 'echo {instance}']\n";
	struct eco e;
	ok(eco_load_buffer("t.yaml", "/tmp", text, strlen(text), &e) == 0, "instances: max loads");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	is_int(e.n_apps, ncpu > 1 ? ncpu : 1, "one per CPU");
	if (e.n_apps > 0) {
		ok(e.apps[0].argv[0][0] == '/' && strstr(e.apps[0].argv[0], "/sh"),
		    "bare script found in PATH: %s", e.apps[0].argv[0]);
		is_str(e.apps[0].argv[2], e.n_apps > 1 ? "echo 1" : "echo 1", "{instance} in a list arg");
		is_str(e.apps[0].log_date_format, NULL, "no format");
	}
	eco_free(&e);

	/* pm2: a script with spaces naming no file is a command line for bash -c,
	 * its args after it ($0 bash), named after its first word */
	text = "- command: \"node -e 'x()'\"\n- name: two\n  script: sleep 5\n  args: [a, b]\n";
	ok(eco_load_buffer("t.yaml", "/tmp", text, strlen(text), &e) == 0 && e.n_apps == 2,
	    "command lines load");
	if (e.n_apps == 2) {
		is_str(e.apps[0].name, "node", "named after the first word");
		ok(strstr(e.apps[0].argv[0], "/bash") != NULL, "run by bash: %s", e.apps[0].argv[0]);
		is_str(e.apps[0].argv[1], "-c", "with -c");
		is_str(e.apps[0].argv[2], "node -e 'x()'", "the command whole");
		ok(e.apps[0].argv[3] == NULL, "and nothing after");
		is_str(e.apps[1].argv[3], "bash", "args: $0 is bash");
		is_str(e.apps[1].argv[4], "a", "then the args");
		is_str(e.apps[1].argv[5], "b", "both");
	}
	eco_free(&e);

	/* append_env_to_name: NAME-ENV with --env ENV (a group too), NAME without */
	text = "- name: web\n  script: sh\n  append_env_to_name: true\n  instances: 2\n"
	    "  env_dev: {PORT: 4000}\n";
	ok(eco_load_buffer_env("t.yaml", "/tmp", text, strlen(text), "dev", &e) == 0 && e.n_apps == 2,
	    "append_env_to_name loads");
	if (e.n_apps == 2) {
		is_str(e.apps[0].name, "web-dev-1", "--env dev: the instances are web-dev-1..");
		is_str(e.apps[0].group, "web-dev", "of the group web-dev");
	}
	eco_free(&e);
	ok(eco_load_buffer_env("t.yaml", "/tmp", text, strlen(text), NULL, &e) == 0 && e.n_apps == 2,
	    "without --env");
	if (e.n_apps == 2)
		is_str(e.apps[1].name, "web-2", "the name as given");
	eco_free(&e);

	/* pm2: -N is one per CPU but N, and never fewer than one; cmd is script */
	text = "- name: m\n  cmd: sh\n  instances: -1\n- name: few\n  script: sh\n  instances: -100\n";
	ok(eco_load_buffer("t.yaml", "/tmp", text, strlen(text), &e) == 0, "instances: -1 and -100 load");
	is_int(e.n_apps, (ncpu > 1 ? (int)ncpu - 1 : 1) + 1, "-1: one per CPU but one; -100: one");
	if (e.n_apps > 0)
		ok(strstr(e.apps[0].argv[0], "/sh") != NULL, "cmd is script: %s", e.apps[0].argv[0]);
	eco_free(&e);

	text = "log_dir: /var/l\napps:\n- name: n\n  script: /bin/true\n  out_file: /dev/null\n"
	    "  log_file: true\n  error: ''\n  interpreter: none\n  interpreter_args: -x\n";
	ok(eco_load_buffer("t.yaml", "/tmp", text, strlen(text), &e) == 0 && e.n_apps == 1,
	    "log switches load");
	if (e.n_apps == 1) {
		ok(e.apps[0].out_file == NULL, "out_file: /dev/null disables it");
		ok(e.apps[0].err_file == NULL, "an empty error file disables it");
		is_str(e.apps[0].combined_file, "/var/l/n-combined.log", "log_file: true is the default");
		is_str(e.apps[0].argv[0], "/bin/true", "interpreter: none runs the script itself");
		ok(e.apps[0].script == NULL, "and no interpreter has a script to check");
		is_str(e.apps[0].source, "/tmp/t.yaml", "source of a buffer is dir/name");
	}
	ok(e.n_warnings == 1 && strcmp(e.warnings[0], "t.yaml:9:21: interpreter_args: ignored: "
	    "the script runs without an interpreter") == 0, "interpreter_args without interpreter "
	    "warns: %s", e.n_warnings ? e.warnings[0] : "");
	eco_free(&e);

	/* the last interpreter argument may make the script no file (python3
	 * -m MODULE, bash -c COMMAND): only an extension then says it is one */
	text = "apps:\n- name: m\n  script: http.server\n  interpreter: python3\n"
	    "  interpreter_args: -m\n- name: u\n  script: /srv/w.py\n  interpreter_args: -c\n"
	    "- name: c\n  script: echo hi\n  interpreter: bash\n  interpreter_args: -x -c\n";
	ok(eco_load_buffer("t.yaml", "/tmp", text, strlen(text), &e) == 0 && e.n_apps == 3,
	    "interpreter apps load");
	if (e.n_apps == 3) {
		ok(e.apps[0].script == NULL, "python3 -m MODULE: no script to check");
		is_str(e.apps[1].script, "/srv/w.py", "a .py is a file whatever comes before it");
		ok(e.apps[2].script == NULL, "bash -x -c COMMAND: no script to check");
	}
	eco_free(&e);

	ok(eco_load("/nonexistent/eco.yaml", &e) == -1 && e.n_errors == 1 &&
	    strcmp(e.errors[0], "cannot open /nonexistent/eco.yaml: No such file or directory") == 0,
	    "missing file: %s", e.n_errors ? e.errors[0] : "");
	eco_free(&e);
}

/* Loads text (freed here) and checks it fails with exactly one error. */
static void expect_one_error(char *text, const char *want, const char *what)
{
	struct eco e;
	int r = eco_load_buffer("t.yaml", "/tmp", text, strlen(text), &e);
	ok(r == -1 && e.n_errors == 1, "%s: refused, once", what);
	is_str(e.n_errors ? e.errors[0] : "", want, "%s: the message", what);
	if (e.n_errors != 1)
		dump(&e);
	eco_free(&e);
	free(text);
}

/* What a keeper or the daemon could not take is refused by the loader, with
 * the real limit named where the file exceeds it. */
static void test_limits(void)
{
	/* one more app than a file may hold, none with instances */
	struct buf b = { 0 };
	for (int i = 1; i <= 4097; i++)
		buf_printf(&b, "- name: a%d\n  script: /bin/true\n", i);
	expect_one_error(b.p, "t.yaml:8193:3: apps: app 4097 is over psup's limit of 4096 apps per "
	    "file (each instance counts)", "4097 apps");

	/* exactly the limit loads */
	memset(&b, 0, sizeof b);
	for (int i = 1; i <= 4096; i++)
		buf_printf(&b, "- name: a%d\n  script: /bin/true\n", i);
	struct eco e;
	ok(eco_load_buffer("t.yaml", "/tmp", b.p, b.len, &e) == 0 && e.n_apps == 4096,
	    "4096 apps load");
	eco_free(&e);
	buf_free(&b);

	/* a 1 MB environment value: execve would refuse it; named at its place */
	memset(&b, 0, sizeof b);
	buf_puts(&b, "- name: big\n  script: /bin/true\n  instances: 2\n  env:\n    SMALL: x\n"
	    "    BIG: ");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_add(&b, "y", 1);
	buf_puts(&b, "\n");
	expect_one_error(b.p, "t.yaml:6:10: env: BIG: a value of 1048576 bytes: over the 131072 "
	    "bytes the kernel takes for one variable", "a 1 MB env value");

	/* many values that together are too long: the longest is named */
	memset(&b, 0, sizeof b);
	buf_puts(&b, "- name: many\n  script: /bin/true\n  args:\n");
	for (int i = 0; i < 700; i++) {
		buf_puts(&b, "    - ");
		for (int k = 0; k < 1500 + (i == 300); k++)
			buf_add(&b, "z", 1);
		buf_puts(&b, "\n");
	}
	expect_one_error(b.p, "t.yaml:304:7: args: a value of 1501 bytes makes many's settings "
	    "1054671 bytes, over psup's limit of 1048576 bytes per app", "many long args");
}

int main(void)
{
	const char *src = getenv("PSUP_SRC");
	if (src && chdir(src) < 0) {
		printf("1..0 # SKIP cannot chdir to PSUP_SRC\n");
		return 0;
	}
	root = ypath_resolve(NULL, ".");
	plan_no_plan();
	test_full();
	test_defaults();
	test_pm2_style();
	test_anchors();
	test_bad();
	test_buffers();
	test_limits();
	free(root);
	return done_testing();
}
