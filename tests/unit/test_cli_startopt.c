/* pm2's start words to an app object: each option of the table to the
 * process file option it sets, values as numbers or strings, flags,
 * variadic exit codes, --watch, the command's own flags, positionals and
 * what follows "--", errors; and pm2's rule for a default name. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli_startopt.h"

#define MAXW 12

static const struct {
	const char *words[MAXW];   /* NULL-terminated */
	const char *app;           /* the app object as compact JSON, or NULL */
	const char *target;
	int nrest, dashdash;
	const char *err;           /* substring of the error, or NULL */
} cases[] = {
	{ { "app.js", NULL }, NULL, "app.js", 0, 0, NULL },
	{ { "app.js", "--name", "api", "-i", "4", NULL }, "{\"name\":\"api\",\"instances\":4}", "app.js", 0, 0, NULL },
	{ { "-n", "api", "-i", "max", "app.js", NULL }, "{\"name\":\"api\",\"instances\":\"max\"}", "app.js", 0, 0, NULL },
	{ { "app.js", "--name=api", NULL }, "{\"name\":\"api\"}", "app.js", 0, 0, NULL },
	{ { "app.js", "--name", "007", NULL }, "{\"name\":\"007\"}", "app.js", 0, 0, NULL },
	{ { "x.py", "--interpreter", "python3", "--interpreter-args", "-u -X dev", NULL },
	  "{\"interpreter\":\"python3\",\"interpreter_args\":\"-u -X dev\"}", "x.py", 0, 0, NULL },
	{ { "x", "--node-args", "--max-old-space-size=512", NULL },
	  "{\"interpreter_args\":\"--max-old-space-size=512\"}", "x", 0, 0, NULL },
	{ { "x", "--cwd", "/srv", "--env-file", ".env", NULL }, "{\"cwd\":\"/srv\",\"env_file\":\".env\"}", "x", 0, 0, NULL },
	{ { "x", "--time", "--log-date-format", "YYYY-MM-DD", NULL },
	  "{\"time\":true,\"log_date_format\":\"YYYY-MM-DD\"}", "x", 0, 0, NULL },
	{ { "x", "-o", "o.log", "-e", "e.log", "-l", "c.log", NULL },
	  "{\"out_file\":\"o.log\",\"error_file\":\"e.log\",\"log_file\":\"c.log\"}", "x", 0, 0, NULL },
	{ { "x", "--max-memory-restart", "200M", "--restart-delay", "2000", NULL },
	  "{\"max_memory_restart\":\"200M\",\"restart_delay\":2000}", "x", 0, 0, NULL },
	{ { "x", "--exp-backoff-restart-delay", "100", "--max-restarts", "3", "--min-uptime", "5s", NULL },
	  "{\"exp_backoff_restart_delay\":100,\"max_restarts\":3,\"min_uptime\":\"5s\"}", "x", 0, 0, NULL },
	{ { "x", "--crash-backoff", "0", NULL }, "{\"crash_backoff\":0}", "x", 0, 0, NULL },
	{ { "x", "--crash-backoff", "2s", NULL }, "{\"crash_backoff\":\"2s\"}", "x", 0, 0, NULL },
	{ { "x", "-k", "3000", NULL }, "{\"kill_timeout\":3000}", "x", 0, 0, NULL },
	{ { "x", "--stop-exit-codes", "0", "2", "3", NULL }, "{\"stop_exit_codes\":[0,2,3]}", "x", 0, 0, NULL },
	{ { "--stop-exit-codes", "0,2", "x", NULL }, "{\"stop_exit_codes\":[0,2]}", "x", 0, 0, NULL },
	{ { "x", "--stop-exit-codes", "a", NULL }, NULL, NULL, 0, 0, "not a list of exit codes" },
	{ { "x", "--no-autorestart", "--no-autostart", NULL }, "{\"autorestart\":false,\"autostart\":false}", "x", 0, 0, NULL },
	{ { "x", "-c", "0 * * * *", NULL }, "{\"cron_restart\":\"0 * * * *\"}", "x", 0, 0, NULL },
	{ { "x", "--cron", "*/5 * * * *", NULL }, "{\"cron_restart\":\"*/5 * * * *\"}", "x", 0, 0, NULL },
	{ { "--watch", "x", NULL }, "{\"watch\":true}", "x", 0, 0, NULL },
	{ { "x", "--watch=src,lib", "--ignore-watch", "node_modules", NULL },
	  "{\"watch\":[\"src\",\"lib\"],\"ignore_watch\":\"node_modules\"}", "x", 0, 0, NULL },
	{ { "x", "--watch-delay", "500", "--after", "db", "--namespace", "api", NULL },
	  "{\"watch_delay\":500,\"after\":\"db\",\"namespace\":\"api\"}", "x", 0, 0, NULL },
	{ { "x", "--pid", "/run/x.pid", "--log-type", "json", NULL },
	  "{\"pid_file\":\"/run/x.pid\",\"log_type\":\"json\"}", "x", 0, 0, NULL },
	{ { "x", "--merge-logs", "--disable-logs", NULL }, "{\"merge_logs\":true,\"disable_logs\":true}", "x", 0, 0, NULL },
	{ { "x", "-f", "-x", "--no-vizion", "--no-pmx", "--no-automation", "--no-treekill", NULL }, NULL, "x", 0, 0, NULL },
	{ { "x", "--name", "a", "--name", "b", NULL }, "{\"name\":\"b\"}", "x", 0, 0, NULL },
	{ { "x", "--", "--port", "80", "-v", NULL }, NULL, "x", 3, 1, NULL },
	{ { "a", "b", "c", NULL }, NULL, "a", 2, 0, NULL },
	{ { "python3 -m http.server 8000", NULL }, NULL, "python3 -m http.server 8000", 0, 0, NULL },
	{ { "x", "--bogus", NULL }, NULL, NULL, 0, 0, "unknown option '--bogus'" },
	{ { "x", "--wait-ready", "--listen-timeout", "3000", "--trace", NULL }, NULL, "x", 0, 0, NULL },
	{ { "x", "--filter-env", "SECRET", "--wait-ip", NULL }, NULL, "x", 0, 0, NULL },
	{ { "x", "-u", "www", NULL }, NULL, NULL, 0, 0, "--user is pm2's, and refused: psup runs apps as the user" },
	{ { "x", "--uid=1000", NULL }, NULL, NULL, 0, 0, "--uid is pm2's, and refused" },
	{ { "x", "--no-daemon", NULL }, NULL, NULL, 0, 0, "run `psup daemon`" },
	{ { "x", "--name", NULL }, NULL, NULL, 0, 0, "--name needs a value" },
	{ { "x", "--name=", NULL }, NULL, NULL, 0, 0, "--name needs a value" },
	{ { "x", "--time=yes", NULL }, NULL, NULL, 0, 0, "--time takes no value" },
	{ { "-", NULL }, NULL, "-", 0, 0, NULL },
	{ { NULL }, NULL, NULL, 0, 0, NULL },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int argc = 0;
		while (cases[i].words[argc])
			argc++;
		struct cli_startopt o;
		char *err = NULL;
		int r = cli_startopt_parse(argc, (char **)cases[i].words, &o, &err);
		if (cases[i].err) {
			ok(r < 0 && err && strstr(err, cases[i].err), "case %zu: error \"%s\" (%s)", i,
			    cases[i].err, err ? err : "none");
		} else {
			char *app = o.app ? cJSON_PrintUnformatted(o.app) : NULL;
			ok(r == 0, "case %zu: parses (%s)", i, err ? err : "");
			ok(cases[i].app ? app && strcmp(app, cases[i].app) == 0 : !app,
			    "case %zu: app %s (got %s)", i, cases[i].app ? cases[i].app : "none",
			    app ? app : "none");
			ok(cases[i].target ? o.target && strcmp(o.target, cases[i].target) == 0 : !o.target,
			    "case %zu: target %s", i, cases[i].target ? cases[i].target : "none");
			ok(o.nrest == cases[i].nrest && o.dashdash == cases[i].dashdash,
			    "case %zu: %d more words, after -- %d", i, o.nrest, o.dashdash);
			cJSON_free(app);
		}
		free(err);
		cli_startopt_free(&o);
	}

	/* the command's own flags, and the app's arguments after -- kept whole */
	const char *w[] = { "eco.yaml", "--env", "production", "--only", "a,b", "-a", "--", "x", "--y", NULL };
	struct cli_startopt o;
	char *err = NULL;
	ok(cli_startopt_parse(9, (char **)w, &o, &err) == 0, "command flags parse");
	is_str(o.env_name, "production", "--env NAME");
	is_str(o.only, "a,b", "--only");
	is_int(o.update_env, 1, "-a is --update-env");
	ok(o.app == NULL, "no app option given");
	is_str(o.rest[1], "--y", "an option-like word after -- is the app's");
	ok(o.warnings == NULL, "no warning");
	cli_startopt_free(&o);
	free(err);

	/* pm2's options for node or Keymetrics: each a warning, ignored */
	const char *p[] = { "--wait-ready", "app.js", "--listen-timeout", "3000", "--name", "api",
		"--v8", NULL };
	ok(cli_startopt_parse(7, (char **)p, &o, &err) == 0, "pm2's node options parse");
	is_str(o.target, "app.js", "--listen-timeout took its value, not the script");
	is_str(o.warnings, "--wait-ready is pm2's, ignored: node's process.send('ready'): not "
	    "supported\n--listen-timeout is pm2's, ignored: reload timeouts: not supported\n"
	    "--v8 is pm2's, ignored: Keymetrics: not supported\n", "a warning each, in order");
	char *app = cJSON_PrintUnformatted(o.app);
	is_str(app, "{\"name\":\"api\"}", "and nothing set for them");
	cJSON_free(app);
	cli_startopt_free(&o);
	free(err);
}

static void test_name(void)
{
	static const struct { const char *script, *name; } t[] = {
		{ "app.js", "app" },
		{ "./src/server.mjs", "server" },
		{ "/usr/bin/python3", "python3" },
		{ "lib.min.js", "lib.min" },
		{ ".hidden", ".hidden" },
		{ "python3 -m http.server", "python3" },
		{ "my app.sh", "my" },
		{ "weird@name!.sh", "weird-name-" },
		{ "dir/", "app" },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		char *n = cli_startopt_name(t[i].script);
		is_str(n, t[i].name, "name of '%s'", t[i].script);
		free(n);
	}
}

int main(void)
{
	plan_no_plan();
	test_parse();
	test_name();
	return done_testing();
}
