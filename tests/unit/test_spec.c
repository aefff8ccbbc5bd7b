/* spec defaults, pack/unpack round trips, copy/equal, and malformed input. */
#include "tap.h"
#include "spec.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>

static char **strv(const char *a, const char *b, const char *c)
{
	char **v = calloc(4, sizeof *v);
	int n = 0;
	if (a) v[n++] = strdup(a);
	if (b) v[n++] = strdup(b);
	if (c) v[n++] = strdup(c);
	return v;
}

static void full_spec(struct app_spec *s)
{
	spec_defaults(s);
	s->name = strdup("chunk-2");
	s->group = strdup("chunk");
	s->source = strdup("/srv/eco.yaml");
	s->app_id = 7;
	s->instance = 2;
	s->instances = 5;
	s->argv = strv("/usr/bin/env", "a b\tc\\d\ne=f", "");
	s->cwd = strdup("/srv");
	s->env = strv("A=1", "PSUP_APP_NAME=chunk-2", "MULTI=line1\nline2");
	s->base_env = strv("PATH=/usr/bin", "HOME=/home/u", NULL);
	s->instance_var = strdup("INSTANCE_ID");
	s->increment_var = strdup("PORT");
	s->out_file = strdup("/srv/logs/chunk-2-out.log");
	s->err_file = strdup("/srv/logs/chunk-2-error.log");
	s->combined_file = NULL;
	s->time = 1;
	s->log_date_format = strdup("%H:%M:%S");
	s->log_max_size = 10 << 20;
	s->log_retain = 3;
	s->autorestart = AUTORESTART_ON_FAILURE;
	s->autostart = 0;
	s->stopped = 1;
	s->max_restarts = 4;
	s->min_uptime_ms = 250;
	s->restart_delay_ms = 100;
	s->exp_backoff_ms = 50;
	s->exp_backoff_max_ms = 1000;
	s->crash_backoff_ms = 70;
	s->stop_exit_codes[0] = 0;
	s->stop_exit_codes[1] = 42;
	s->n_stop_exit_codes = 2;
	s->kill_timeout_ms = 3000;
	s->stop_signal = SIGINT;
	s->max_memory_restart = 200LL << 20;
	s->after = strv("load", NULL, NULL);
	s->cron_restart = strdup("0 3 * * *");
	s->watch = strv("/srv/app/src", NULL, NULL);
	s->ignore_watch = strv("*.log", "tmp", NULL);
	s->watch_delay_ms = 250;
	s->pid_file = strdup("/run/app.pid");
	s->log_json = 1;
	s->namespace = strdup("jobs");
	s->script = strdup("/srv/app/server.js");
}

static const struct {
	const char *text;
	const char *why; /* substring of the error */
} bad[] = {
	{ "name\n", "expected key=value" },
	{ "=x\n", "expected key=value" },
	{ "nmae=x\n", "unknown key" },
	{ "instance=0\n", "instance" },
	{ "instances=abc\n", "instances" },
	{ "max_restarts=-1\n", "max_restarts" },
	{ "min_uptime_ms=1x\n", "min_uptime_ms" },
	{ "min_uptime_ms=\n", "min_uptime_ms" },
	{ "kill_timeout_ms=99999999999999999999999\n", "kill_timeout_ms" },
	{ "stop_signal=0\n", "stop_signal" },
	{ "stop_signal=65\n", "stop_signal" },
	{ "time=2\n", "time" },
	{ "stopped=3\n", "stopped" },
	{ "autorestart=sometimes\n", "autorestart" },
	{ "stop_exit_code=256\n", "stop_exit_code" },
	{ "name=a\\q\n", "bad escape" },
	{ "name=a\\\n", "bad escape" },
	{ "name=ok\nargv=x\nbogus=1\n", "line 3" },
};

int main(void)
{
	plan_no_plan();

	struct app_spec d;
	spec_defaults(&d);
	is_int(d.autorestart, AUTORESTART_ALWAYS, "default autorestart always");
	is_int(d.max_restarts, 16, "default max_restarts 16");
	is_int(d.min_uptime_ms, 1000, "default min_uptime 1s");
	is_int(d.restart_delay_ms, 0, "default restart_delay 0");
	is_int(d.exp_backoff_ms, 0, "default exp_backoff off");
	is_int(d.exp_backoff_max_ms, 15000, "default exp_backoff_max 15s");
	is_int(d.kill_timeout_ms, 1600, "default kill_timeout 1600ms");
	is_int(d.stop_signal, SIGTERM, "default stop_signal SIGTERM");
	is_int(d.log_retain, 5, "default log_retain 5");
	is_int(d.autostart, 1, "default autostart 1");
	is_int(d.instances, 1, "default instances 1");
	is_int(d.app_id, -1, "no id until the daemon gives one");

	/* round trip of a spec using every field */
	struct app_spec s, u, c;
	full_spec(&s);
	size_t len;
	char *text = spec_pack(&s, &len);
	is_int(len, strlen(text), "pack length");
	ok(strstr(text, "argv=a b\\tc\\\\d\\ne=f\n") != NULL, "values are escaped");
	char *cause = NULL;
	is_int(spec_unpack(text, len, &u, &cause), 0, "unpack of packed spec");
	ok(spec_equal(&s, &u), "round trip is equal");
	is_str(u.argv[1], "a b\tc\\d\ne=f", "escaped argv survives");
	is_int(u.app_id, s.app_id, "the id round trips");
	is_str(u.argv[2], "", "empty argv entry survives");
	ok(u.combined_file == NULL, "NULL path stays NULL");
	is_int(u.n_stop_exit_codes, 2, "stop exit codes");
	is_int(u.stop_exit_codes[1], 42, "stop exit code value");
	is_str(u.env[2], "MULTI=line1\nline2", "env with newline");

	/* the packer's own number and escape writing, at their edges */
	struct app_spec e;
	spec_copy(&e, &s);
	e.app_id = -1;
	e.log_max_size = LLONG_MAX;
	e.min_uptime_ms = 0;
	free(e.argv[1]);
	e.argv[1] = strdup("\\\n\t\rx\\");
	size_t elen;
	char *etext = spec_pack(&e, &elen);
	ok(strstr(etext, "\nid=-1\n") != NULL, "a negative number is written");
	ok(strstr(etext, "\nlog_max_size=9223372036854775807\n") != NULL, "the largest one");
	ok(strstr(etext, "\nmin_uptime_ms=0\n") != NULL, "and 0");
	ok(strstr(etext, "\nargv=\\\\\\n\\t\\rx\\\\\n") != NULL,
	    "escapes back to back, first and last");
	struct app_spec eu;
	is_int(spec_unpack(etext, elen, &eu, &cause), 0, "and read back%s%s", cause ? ": " : "", cause ? cause : "");
	ok(spec_equal(&e, &eu) && eu.app_id == -1, "equal");
	free(etext);
	spec_free(&e);
	spec_free(&eu);

	spec_copy(&c, &s);
	ok(spec_equal(&c, &s), "copy is equal");
	free(c.env[0]);
	c.env[0] = strdup("A=2");
	ok(!spec_equal(&c, &s), "changed env is not equal");
	c.kill_timeout_ms++;
	ok(!spec_equal(&c, &s), "changed kill_timeout is not equal");
	c.kill_timeout_ms--;
	free(c.base_env[0]);
	c.base_env[0] = strdup("PATH=/bin");
	free(c.env[0]);
	c.env[0] = strdup("A=1");
	ok(spec_equal(&c, &s), "the caller's environment is no setting: still equal");
	is_str(u.base_env[1], "HOME=/home/u", "the caller's environment round trips");
	is_str(u.increment_var, "PORT", "increment_var round trips");
	spec_free(&c);
	ok(c.name == NULL && c.argv == NULL, "free zeroes");

	/* equality sees every field: without any one line, the spec differs */
	int all_count = 1;
	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		size_t at = (size_t)(line - text), l = (size_t)(strchr(line, '\n') + 1 - line);
		char *less = malloc(len);
		memcpy(less, text, at);
		memcpy(less + at, line + l, len - at - l);
		struct app_spec fewer;
		char *why = NULL;
		int runtime = strncmp(line, "base_env=", 9) == 0 || strncmp(line, "id=", 3) == 0 ||
		    strncmp(line, "stopped=", 8) == 0 || strncmp(line, "script=", 7) == 0;
		if (spec_unpack(less, len - l, &fewer, &why) < 0 || spec_equal(&fewer, &s) == !runtime) {
			diag("dropping line '%.*s' went unnoticed: %s", (int)l - 1, line, why ? why : "");
			all_count = 0;
		}
		free(why);
		spec_free(&fewer);
		free(less);
	}
	ok(all_count, "every packed line but the caller's environment, the id, stopped and the "
	    "script (argv holds it) counts in spec_equal");
	is_str(u.script, "/srv/app/server.js", "the script an interpreter runs round trips");

	/* stopped (the user's stop, kept across a reboot) is written only when
	 * set, so a keeper from before it reads a running app's spec */
	is_int(u.stopped, 1, "stopped round trips");
	ok(strstr(text, "\nstopped=1\n") != NULL, "a stopped spec says so");
	struct app_spec running;
	spec_copy(&running, &s);
	running.stopped = 0;
	ok(spec_equal(&running, &s), "stopped or not, the same spec");
	size_t rlen;
	char *rtext = spec_pack(&running, &rlen);
	ok(strstr(rtext, "stopped=") == NULL, "a running app's spec leaves it out");
	struct app_spec cron;
	is_int(spec_unpack("name=x\nargv=/bin/true\nstopped=2\n", 31, &cron, &cause), 0,
	    "a cron job that completed");
	is_int(cron.stopped, SPEC_CRON_DONE, "says so");
	spec_free(&cron);
	free(rtext);
	spec_free(&running);

	/* unpack without a trailing newline and with blank lines */
	char *t2 = malloc(len + 2);
	memcpy(t2, "\n", 1);
	memcpy(t2 + 1, text, len - 1); /* drop the final newline */
	struct app_spec w;
	is_int(spec_unpack(t2, len, &w, &cause), 0, "no trailing newline, leading blank line");
	ok(spec_equal(&w, &s), "same spec");
	spec_free(&w);
	free(t2);

	/* defaults are kept for absent keys */
	struct app_spec m;
	is_int(spec_unpack("name=x\nargv=/bin/true\n", 22, &m, &cause), 0, "minimal spec");
	is_int(m.max_restarts, 16, "absent key keeps default");
	ok(m.env == NULL, "no env stays NULL");
	spec_free(&m);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct app_spec b;
		char *why = NULL;
		int r = spec_unpack(bad[i].text, strlen(bad[i].text), &b, &why);
		is_int(r, -1, "bad spec %zu rejected", i);
		ok(why && strstr(why, bad[i].why), "error for %zu says '%s' (%s)", i,
		    bad[i].why, why ? why : "none");
		ok(b.name == NULL && b.max_restarts == 16, "bad spec %zu leaves defaults", i);
		free(why);
	}

	/* every truncation of a good spec either parses or fails cleanly */
	int crashes = 0;
	for (size_t k = 0; k < len; k++) {
		char *copy = malloc(k ? k : 1);
		memcpy(copy, text, k);
		struct app_spec t;
		char *why = NULL;
		if (spec_unpack(copy, k, &t, &why) == 0)
			spec_free(&t);
		free(why);
		free(copy);
	}
	ok(!crashes, "every truncation handled");

	free(text);
	spec_free(&s);
	spec_free(&u);
	return done_testing();
}
