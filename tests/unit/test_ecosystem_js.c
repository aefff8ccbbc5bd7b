/* pm2 process files as pm2 users have them (tests/fixtures/eco/pm2/): JS
 * files evaluated by node (CommonJS, ES modules, __dirname, process.env),
 * JSON that only JavaScript accepts, one app without apps:, a pm2: list,
 * apps without names, values pm2 reads with parseInt, env of any type,
 * env_file, and errors that name the file and the app's index. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecosystem.h"
#include "ecosystem_js.h"
#include "ecosystem_program.h"
#include "tap.h"
#include "xalloc.h"
#include "yaml_file.h"

#define PM2 "tests/fixtures/eco/pm2/"

static char *root;

static void dump(const struct eco *e)
{
	for (int i = 0; i < e->n_errors; i++)
		diag("error: %s", e->errors[i]);
	for (int i = 0; i < e->n_warnings; i++)
		diag("warning: %s", e->warnings[i]);
}

static const char *env_of(const struct app_spec *s, const char *key)
{
	size_t kl = strlen(key);
	for (char **e = s->env; e && *e; e++)
		if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=')
			return *e + kl + 1;
	return NULL;
}

static int has_warning(const struct eco *e, const char *part)
{
	for (int i = 0; i < e->n_warnings; i++)
		if (strstr(e->warnings[i], part))
			return 1;
	return 0;
}

/* Loads a fixture that must load; returns its app count (or -1). */
static int load_ok(const char *file, struct eco *e)
{
	int r = eco_load(file, e);
	ok(r == 0, "%s loads", file);
	if (r != 0)
		dump(e);
	return r == 0 ? e->n_apps : -1;
}

static void test_js_files(void)
{
	struct eco e;
	if (load_ok(PM2 "basic.config.js", &e) == 1) {
		struct app_spec *s = &e.apps[0];
		is_str(s->name, "web", "module.exports: the app's name");
		is_str(env_of(s, "PORT"), "3000", "a number in env is its text");
		is_int((int)s->kill_timeout_ms, 5000, "kill_timeout read");
		char *want = xasprintf("%s/" PM2 "logs/out.log", root);
		is_str(s->out_file, want, "out_file relative to the file's folder");
		free(want);
		ok(has_warning(&e, "listen_timeout"), "a pm2 option psup lacks warns");
		ok(e.warnings && strncmp(e.warnings[0], PM2 "basic.config.js: apps[0] (web): ",
		    strlen(PM2 "basic.config.js: apps[0] (web): ")) == 0,
		    "warnings name the file and the app's index: %s", e.warnings ? e.warnings[0] : "");
	}
	eco_free(&e);

	if (load_ok(PM2 "cluster.config.js", &e) >= 1) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		is_int(e.n_apps, n < 1 ? 1 : (int)n, "instances: 'max' is one per CPU");
		is_str(e.apps[0].group, "api", "the group keeps the name");
		ok(has_warning(&e, "cluster mode is not supported"), "cluster mode warns");
	}
	eco_free(&e);

	if (load_ok(PM2 "esm-default.config.mjs", &e) == 1) {
		is_str(e.apps[0].name, "erp", ".mjs: export default");
		is_str(env_of(&e.apps[0], "API_PORT"), "3002", "its env");
	}
	eco_free(&e);

	if (load_ok(PM2 "esm-named.config.js", &e) == 2)
		is_str(e.apps[1].name, "backend-2", "an ES module .js: export const apps");
	eco_free(&e);

	setenv("PSUP_TEST_APP_NAME", "from-env", 1);
	char *env[] = { (char *)"PSUP_TEST_VALUE=given", NULL, NULL };
	char *path = xasprintf("PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	env[1] = path;
	int r = eco_load_env(PM2 "dirname.config.cjs", env, NULL, &e);
	ok(r == 0, "dirname.config.cjs loads with a given environment");
	if (r == 0) {
		is_str(e.apps[0].name, "default-app", "process.env is the given environment");
		is_str(env_of(&e.apps[0], "FROM_ENV"), "given", "a value taken from it");
		char *want = xasprintf("%s/" PM2 "bin/www", root);
		is_str(e.apps[0].argv[0], want, "__dirname is the file's folder");
		free(want);
	} else {
		dump(&e);
	}
	eco_free(&e);
	free(path);
	unsetenv("PSUP_TEST_APP_NAME");

	if (load_ok(PM2 "npm.config.js", &e) == 1) {
		char *npm = eco_program_which("npm", NULL);
		if (npm)
			is_str(e.apps[0].argv[0], npm, "npm found in PATH");
		else
			is_str(e.apps[0].argv[0], "npm", "npm kept bare when absent");
		free(npm);
		is_str(e.apps[0].argv[1], "start", "its args");
	}
	eco_free(&e);

	if (load_ok(PM2 "multi.config.js", &e) == 3) {
		is_str(env_of(&e.apps[0], "FEATURES"), "{\"search\":true,\"beta\":false}",
		    "an object in env is JSON");
		is_str(env_of(&e.apps[0], "HOSTS"), "[\"a\",\"b\"]", "a list in env is JSON");
		is_str(env_of(&e.apps[0], "DEBUG"), "false", "a boolean is its text");
		is_str(env_of(&e.apps[0], "RATIO"), "0.5", "a fraction is its text");
		is_int(e.apps[2].autorestart, AUTORESTART_NEVER, "spread options are kept");
		ok(has_warning(&e, PM2 "multi.config.js: deploy: pm2 option not supported"),
		    "a top-level key after the apps is not put on the last app");
	}
	eco_free(&e);
}

static void test_json_and_shapes(void)
{
	struct eco e;
	if (load_ok(PM2 "single.json", &e) == 1)
		is_str(e.apps[0].name, "solo", "a file that is one app object");
	eco_free(&e);

	if (load_ok(PM2 "process.json", &e) == 1) {
		is_str(e.apps[0].name, "legacy", "JSON with comments and trailing commas (via node)");
		is_str(env_of(&e.apps[0], "PORT"), "8080", "its env");
	}
	eco_free(&e);

	if (load_ok(PM2 "pm2-key.json", &e) == 2) {
		is_str(e.apps[1].name, "two", "a pm2: list is read like apps:");
		is_str(e.apps[1].argv[3], "9001", "its args (after node and the script)");
	}
	eco_free(&e);

	if (load_ok(PM2 "noname.config.js", &e) == 2) {
		is_str(e.apps[0].name, "worker", "no name: the script's base name");
		is_str(e.apps[1].name, "queue-runner", "without its extension");
	}
	eco_free(&e);

	if (load_ok(PM2 "slash.config.js", &e) == 1) {
		is_str(e.apps[0].name, "api/v2", "a name may hold '/'");
		ok(e.apps[0].out_file == NULL, "out_file: NULL is no file");
		ok(e.apps[0].err_file == NULL, "error_file: null (any case) too");
		char *want = xasprintf("%s/" PM2 "logs/api-v2-combined.log", root);
		is_str(e.apps[0].combined_file, want, "the '/' is '-' in default log names");
		free(want);
	}
	eco_free(&e);

	if (load_ok(PM2 "envfile.config.js", &e) == 1) {
		is_str(env_of(&e.apps[0], "API_KEY"), "abc123", "env_file read (export allowed)");
		is_str(env_of(&e.apps[0], "OVERRIDE"), "from-env", "env: is set over env_file");
		is_str(env_of(&e.apps[0], "QUOTED"), "a b\nc", "double quotes: \\n is a newline");
		is_str(env_of(&e.apps[0], "BARE"), "value", "a bare value ends at #");
	}
	eco_free(&e);

	if (load_ok(PM2 "parseint.yaml", &e) == 4) {
		is_int((int)e.apps[0].restart_delay_ms, 1000, "restart_delay: 1000, is 1000");
		is_int(e.apps[0].n_stop_exit_codes, 2, "stop_exit_codes read");
		is_int(e.apps[0].stop_exit_codes[1], 3, "'3,' is 3");
		ok(has_warning(&e, "instances: '4,' read as 4, as pm2 reads it (parseInt)"),
		    "the warning shows the value used");
	}
	eco_free(&e);
}

static void test_errors(void)
{
	struct eco e;
	int r = eco_load(PM2 "broken.config.js", &e);
	ok(r == -1 && e.n_apps == 0, "a JS file with bad values fails");
	is_int(e.n_errors, 2, "both errors");
	if (e.n_errors == 2) {
		is_str(e.errors[0], PM2 "broken.config.js: apps[1] (bad): max_restrts: unknown option "
		    "(did you mean max_restarts?)", "an error names the file, the app's index and name");
		is_str(e.errors[1], PM2 "broken.config.js: apps[1] (bad): instances: expected a whole "
		    "number, got 'many'", "every error is reported");
	}
	eco_free(&e);

	r = eco_load(PM2 "dup.config.js", &e);
	ok(r == -1, "a JS file with a name twice fails");
	if (e.n_errors >= 1)
		is_str(e.errors[e.n_errors - 1], PM2 "dup.config.js: apps[1] (api): name: duplicate "
		    "app name 'api' (first at apps[0])", "places it mentions are apps too");
	else
		dump(&e);
	eco_free(&e);

	r = eco_load(PM2 "syntax.config.js", &e);
	ok(r == -1 && e.n_errors == 1, "a JS syntax error fails");
	if (e.n_errors == 1)
		ok(strstr(e.errors[0], "syntax.config.js: node cannot evaluate it") &&
		    strstr(e.errors[0], "SyntaxError"), "and says what node said");
	eco_free(&e);

	char *env[] = { (char *)"PATH=/nonexistent", NULL };
	r = eco_load_env(PM2 "basic.config.js", env, NULL, &e);
	ok(r == -1 && e.n_errors == 1 && strstr(e.errors[0], "node was not found in PATH"),
	    "without node: a clear error: %s", e.n_errors ? e.errors[0] : "");
	eco_free(&e);
}

int main(void)
{
	const char *src = getenv("PSUP_SRC");
	if (src && chdir(src) < 0) {
		printf("1..0 # SKIP cannot chdir to PSUP_SRC\n");
		return 0;
	}
	char *node = eco_program_which("node", NULL);
	if (!node) {
		printf("1..0 # SKIP node is not installed (.ci/deps.sh installs it)\n");
		return 0;
	}
	free(node);
	root = ypath_resolve(NULL, ".");
	plan_no_plan();
	test_js_files();
	test_json_and_shapes();
	test_errors();
	free(root);
	return done_testing();
}
