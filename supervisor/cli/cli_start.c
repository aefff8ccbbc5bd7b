/* `psup start` as pm2 users type it: a process file (or one on stdin with
 * `-`), a script or 'command string' with pm2's options, or stopped apps by
 * name. Every start sends the caller's environment: pm2's apps start from
 * the environment of the command that started them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_client.h"
#include "cli_fmt.h"
#include "cli_startopt.h"
#include "cli_target.h"
#include "ecosystem_program.h"
#include "xalloc.h"

/* A process file on stdin: at most this much. */
#define STDIN_MAX (4 << 20)

static void print_lines(FILE *f, const cJSON *arr)
{
	const cJSON *n;
	cJSON_ArrayForEach(n, arr)
		if (cJSON_IsString(n))
			fprintf(f, "%s\n", n->valuestring);
}

int cli_start_send(cJSON *req, int bad_code, cJSON **reply, int *named)
{
	int rc = cli_call(req, CLI_RQ_RAW, CLI_WAIT_OP, reply);
	if (rc != CLI_OK)
		return rc;
	print_lines(stderr, cJSON_GetObjectItemCaseSensitive(*reply, "warnings"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*reply, "ok"))) {
		int n = cli_print_names("started", cJSON_GetObjectItemCaseSensitive(*reply, "started"));
		n += cli_print_names("restarted", cJSON_GetObjectItemCaseSensitive(*reply, "restarted"));
		if (named)
			*named += n;
		return CLI_OK;
	}
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(*reply, "errors");
	int bad = cJSON_IsArray(errs) && cJSON_GetArraySize(errs) > 0;
	const char *summary = cli_json_str(*reply, "error", "start failed");
	const cJSON *only = cJSON_GetArraySize(errs) == 1 ? cJSON_GetArrayItem(errs, 0) : NULL;
	fflush(stdout);
	/* one error is its own summary: said once */
	if (!cJSON_IsString(only) || strcmp(only->valuestring, summary) != 0)
		print_lines(stderr, errs);
	rc = cli_error(bad ? bad_code : CLI_FAIL, "%s", summary);
	cJSON_Delete(*reply);
	*reply = NULL;
	return rc;
}

cJSON *cli_file_req(const char *path, const char *env_name, const char *only)
{
	char *abs = realpath(path, NULL);
	if (!abs) {
		cli_error(CLI_BADFILE, "%s: %s", path, strerror(errno));
		return NULL;
	}
	cJSON *req = cli_req("start");
	cJSON_AddStringToObject(req, "file", abs);
	free(abs);
	if (env_name)
		cJSON_AddStringToObject(req, "env_name", env_name);
	if (only)
		cli_only_add(req, only);
	cli_env_add(req);
	return req;
}

/* Sends a start request (consumed) and shows what it did, as pm2 does:
 * the names, then the table. bad_code is the exit code of a load error.
 * script: the apps of start SCRIPT, where one already running is an error,
 * as pm2's "Script already launched" (a changed one restarts). */
static int start_call(cJSON *req, int bad_code, int script)
{
	cJSON *reply;
	int named = 0;
	int rc = cli_start_send(req, bad_code, &reply, &named);
	if (rc != CLI_OK)
		return rc;
	const cJSON *same = cJSON_GetObjectItemCaseSensitive(reply, "unchanged");
	if (script && cJSON_GetArraySize(same) > 0) {
		const cJSON *first = cJSON_GetArrayItem(same, 0);
		const char *name = cJSON_IsString(first) ? first->valuestring : "?";
		fflush(stdout);
		rc = cli_error(CLI_FAIL, "%s: already started (psup restart %s restarts it; "
		    "one app a name: --name starts another)", name, name);
		cJSON_Delete(reply);
		return rc;
	}
	named += cli_print_names("unchanged", same);
	cJSON_Delete(reply);
	return cli_show_table(named);
}

static int start_file(const char *path, const struct cli_startopt *o)
{
	cJSON *req = cli_file_req(path, o->env_name, o->only);
	return req ? start_call(req, CLI_BADFILE, 0) : CLI_BADFILE;
}

/* Apps sent as objects: the caller's cwd is where their paths start.
 * bad_code: the exit code when they do not load (a usage error for
 * options, a bad file for stdin). script: start SCRIPT's, where one that
 * completed runs again and one running is an error. */
static int start_apps(cJSON *apps, int bad_code, int script)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd)) {
		cJSON_Delete(apps);
		return cli_error(CLI_FAIL, "cannot tell the current directory: %s", strerror(errno));
	}
	cJSON *req = cli_req("start");
	cJSON_AddItemToObject(req, "app", apps);
	cJSON_AddStringToObject(req, "cwd", cwd);
	if (script)
		cJSON_AddBoolToObject(req, "rerun", 1);
	cli_env_add(req);
	return start_call(req, bad_code, script);
}

/* 1 when script names a file, relative to dir (NULL: here) unless absolute. */
static int file_exists(const char *dir, const char *script)
{
	struct stat st;
	if (!dir || script[0] == '/')
		return stat(script, &st) == 0 && S_ISREG(st.st_mode);
	char *p = xasprintf("%s/%s", dir, script);
	int r = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return r;
}

/* The app a script (or command string: the loader runs one that names no
 * file with bash -c, as pm2) makes with pm2's options (opts, copied; may
 * be NULL) and its own arguments args[0..nargs). */
static cJSON *script_app(const cJSON *opts, const char *target, char *const *args, int nargs)
{
	cJSON *app = opts ? cJSON_Duplicate(opts, 1) : cJSON_CreateObject();
	cJSON *argv = cJSON_CreateArray();
	cJSON_AddStringToObject(app, "script", target);
	for (int i = 0; i < nargs; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(args[i]));
	if (cJSON_GetArraySize(argv) > 0)
		cJSON_AddItemToObject(app, "args", argv);
	else
		cJSON_Delete(argv);
	if (!cJSON_GetObjectItemCaseSensitive(app, "name")) {
		char *name = cli_startopt_name(target);
		cJSON_AddStringToObject(app, "name", name);
		free(name);
	}
	return app;
}

/* start SCRIPT [SCRIPT...]: as pm2, each script an app with the same
 * options; the app's own arguments go after -- (one script then). */
static int start_script(struct cli_startopt *o)
{
	if (o->env_name || o->only)
		return cli_error(CLI_USAGE, "start: %s goes with a process file, not a script",
		    o->env_name ? "--env" : "--only");
	if (o->dashdash || o->nrest == 0)
		return start_apps(script_app(o->app, o->target, o->rest, o->nrest), CLI_USAGE, 1);
	if (cJSON_GetObjectItemCaseSensitive(o->app, "name"))
		return cli_error(CLI_USAGE, "start: --name names one app, and %d scripts were given "
		    "(the app's own arguments go after --)", o->nrest + 1);
	cJSON *apps = cJSON_CreateArray();
	cJSON_AddItemToArray(apps, script_app(o->app, o->target, NULL, 0));
	for (int i = 0; i < o->nrest; i++)
		cJSON_AddItemToArray(apps, script_app(o->app, o->rest[i], NULL, 0));
	return start_apps(apps, CLI_USAGE, 1);
}

cJSON *cli_stdin_apps(int *rc)
{
	struct buf in = { 0 };
	char chunk[65536];
	ssize_t r;
	while ((r = read(STDIN_FILENO, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || in.len + (size_t)r > STDIN_MAX) {
			buf_free(&in);
			*rc = r < 0 ? cli_error(CLI_FAIL, "cannot read stdin: %s", strerror(errno))
			    : cli_error(CLI_BADFILE, "stdin: longer than %d bytes", STDIN_MAX);
			return NULL;
		}
		buf_add(&in, chunk, (size_t)r);
	}
	cJSON *doc = cJSON_ParseWithLength(in.p ? in.p : "", in.len);
	buf_free(&in);
	cJSON *apps = cJSON_IsObject(doc) ? cJSON_DetachItemFromObjectCaseSensitive(doc, "apps")
	    : NULL;
	if (!apps && cJSON_IsObject(doc) && cJSON_GetObjectItemCaseSensitive(doc, "script")) {
		apps = cJSON_CreateArray();
		cJSON_AddItemToArray(apps, doc);
		doc = NULL;
	} else if (!apps && cJSON_IsArray(doc)) {
		apps = doc;
		doc = NULL;
	}
	cJSON_Delete(doc);
	if (!cJSON_IsArray(apps) || cJSON_GetArraySize(apps) == 0) {
		cJSON_Delete(apps);
		*rc = cli_error(CLI_BADFILE, "stdin: expected a JSON process file ({\"apps\": "
		    "[...]}, a list of apps, or one app)");
		return NULL;
	}
	cJSON *a;
	cJSON_ArrayForEach(a, apps) {
		const cJSON *script = cJSON_GetObjectItemCaseSensitive(a, "script");
		if (cJSON_IsObject(a) && cJSON_IsString(script) &&
		    !cJSON_GetObjectItemCaseSensitive(a, "name")) {
			char *name = cli_startopt_name(script->valuestring);
			cJSON_AddStringToObject(a, "name", name);
			free(name);
		}
	}
	return apps;
}

/* `start -`: a JSON process file on stdin, its apps started as start
 * SCRIPT's are. */
static int start_stdin(void)
{
	int rc;
	cJSON *apps = cli_stdin_apps(&rc);
	return apps ? start_apps(apps, CLI_BADFILE, 0) : rc;
}

/* Apps by selector (stopped ones start, running ones restart, as pm2's);
 * a word that names no app but a program in PATH starts that program, as
 * pm2 would. */
static int start_names(struct cli_startopt *o)
{
	char **words = xcalloc((size_t)o->nrest + 2, sizeof *words);
	words[0] = o->target;
	for (int i = 0; i < o->nrest; i++)
		words[i + 1] = o->rest[i];
	cJSON *req = cli_req("start");
	cli_target_add(req, words, o->nrest + 1);
	free(words);
	cJSON_AddBoolToObject(req, "restart_running", 1);
	if (o->update_env)
		cJSON_AddBoolToObject(req, "update_env", 1);
	if (o->update_env)
		cli_env_add(req);
	cJSON *reply;
	int rc = cli_call(req, CLI_RQ_RAW, CLI_WAIT_OP, &reply);
	if (rc != CLI_OK)
		return rc;
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
	const char *err = cli_json_str(reply, "error", "start failed");
	if (!ok && o->nrest == 0 && strncmp(err, "no app named", 12) == 0 && !strchr(o->target, '/')) {
		char *path = eco_program_resolve(".", o->target, 0);
		int found = path[0] == '/';
		free(path);
		if (found) {
			cJSON_Delete(reply);
			return start_script(o);
		}
		rc = cli_error(CLI_FAIL, "%s: not an app, a file or a program in PATH", o->target);
		cJSON_Delete(reply);
		return rc;
	}
	if (!ok) {
		rc = cli_error(CLI_FAIL, "%s", err);
		cJSON_Delete(reply);
		return rc;
	}
	/* pm2's start restarts what runs: said apart from what started */
	int named = cli_print_names("started", cJSON_GetObjectItemCaseSensitive(reply, "started"));
	named += cli_print_names("restarted", cJSON_GetObjectItemCaseSensitive(reply, "restarted"));
	cJSON_Delete(reply);
	return cli_show_table(named);
}

int cli_cmd_start(struct cli_args *a)
{
	struct cli_startopt o;
	char *err = NULL;
	int rc;
	int parsed = cli_startopt_parse(a->argc, a->argv, &o, &err);
	for (const char *w = o.warnings, *nl; w && (nl = strchr(w, '\n')); w = nl + 1)
		fprintf(stderr, "psup: start: %.*s\n", (int)(nl - w), w);
	if (parsed < 0) {
		rc = cli_usage_error(a, "start: %s", err);
	} else if (!o.target) {
		rc = cli_usage_error(a, "start: what? (a process file, a script, a name or all)");
	} else if (strcmp(o.target, "-") == 0) {
		rc = start_stdin();
	} else if (cli_is_config_file(o.target)) {
		rc = start_file(o.target, &o);
	} else if (o.app || o.dashdash || file_exists(NULL, o.target) || strpbrk(o.target, " \t/")) {
		rc = start_script(&o);
	} else {
		rc = start_names(&o);
	}
	free(err);
	cli_startopt_free(&o);
	return rc;
}
