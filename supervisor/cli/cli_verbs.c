/* stop, restart, delete, reload and startOrRestart as pm2 users type them:
 * several selectors at once (names, groups, ids, all, /regex/, a script's
 * path), or a process file whose apps they act on (--only picks some).
 * restart/reload --update-env give the apps the caller's environment;
 * without it they keep the one they were started with; --watch turns
 * their watching of their cwd on or off. reload restarts
 * one app at a time, so a group never goes down whole. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_client.h"
#include "cli_fmt.h"
#include "cli_target.h"
#include "ecosystem.h"
#include "xalloc.h"

struct verb_opts {
	int update_env;
	int toggle_watch;         /* restart, reload --watch */
	const char *env_name;
	const char *only;
};

static int verb_opt_cb(struct cli_args *a, int i, void *ctx)
{
	struct verb_opts *o = ctx;
	const char *w = a->argv[i];
	int takes_env = strcmp(a->cmd, "stop") != 0 && strcmp(a->cmd, "delete") != 0;
	if (takes_env && (strcmp(w, "--update-env") == 0 || strcmp(w, "-a") == 0)) {
		o->update_env = 1;
		return 1;
	}
	if (takes_env && strncmp(w, "--env", 5) == 0 && (w[5] == '\0' || w[5] == '='))
		return cli_opt_value(a, i, "--env", &o->env_name);
	if (strncmp(w, "--only", 6) == 0 && (w[6] == '\0' || w[6] == '='))
		return cli_opt_value(a, i, "--only", &o->only);
	/* pm2's: restart --watch turns watching on or off; stop --watch stops
	 * it, as any stop does here */
	if (strcmp(w, "--watch") == 0 && strcmp(a->cmd, "delete") != 0) {
		o->toggle_watch = takes_env;
		return 1;
	}
	/* pm2's: restarts act at once here; nothing to force or to run in parallel */
	if (strcmp(w, "--force") == 0 || strcmp(w, "-f") == 0)
		return 1;
	return 0;
}

static const char *done_word(const char *cmd)
{
	return strcmp(cmd, "stop") == 0 ? "stopped" : strcmp(cmd, "delete") == 0 ? "deleted"
	    : "restarted";
}

static cJSON *restart_req(cJSON *target, int update_env, int toggle_watch)
{
	cJSON *req = cli_req("restart");
	cJSON_AddItemToObject(req, "target", target);
	if (update_env) {
		cJSON_AddBoolToObject(req, "update_env", 1);
		cli_env_add(req);
	}
	if (toggle_watch)
		cJSON_AddBoolToObject(req, "toggle_watch", 1);
	return req;
}

/* Restarts names one after the other, each answered before the next. */
static int restart_each(const cJSON *names, int update_env, int toggle_watch, int *named)
{
	const cJSON *n;
	cJSON_ArrayForEach(n, names) {
		int rc = cli_call_names(restart_req(cJSON_Duplicate(n, 1), update_env, toggle_watch),
		    "restarted", named);
		if (rc != CLI_OK)
			return rc;
	}
	return CLI_OK;
}

/* restart, reload, startOrRestart FILE: the file applied as start FILE does
 * (new apps start, changed ones restart with the caller's environment),
 * then its other apps restarted with that environment, as pm2 restarts a
 * file's apps. */
static int restart_file(const char *path, const struct verb_opts *o, int one_by_one,
    int *named)
{
	cJSON *req = cli_file_req(path, o->env_name, o->only), *reply;
	if (!req)
		return CLI_BADFILE;
	/* pm2 restarts the apps of the file's names, wherever they came from */
	cJSON_AddBoolToObject(req, "adopt", 1);
	int rc = cli_start_send(req, CLI_BADFILE, &reply, named);
	if (rc != CLI_OK)
		return rc;
	cJSON *same = cJSON_GetObjectItemCaseSensitive(reply, "unchanged");
	if (cJSON_GetArraySize(same) > 0)
		rc = one_by_one ? restart_each(same, 1, 0, named)
		    : cli_call_names(restart_req(cJSON_Duplicate(same, 1), 1, 0), "restarted", named);
	cJSON_Delete(reply);
	return rc;
}

/* The names of the apps words select, one request (for reload). */
static int names_of(char **words, int n, cJSON **names)
{
	cJSON *req = cli_req("list"), *reply;
	cli_target_add(req, words, n);
	int rc = cli_call(req, 0, 10000, &reply);
	if (rc != CLI_OK)
		return rc;
	*names = cJSON_CreateArray();
	const cJSON *app;
	cJSON_ArrayForEach(app, cJSON_GetObjectItemCaseSensitive(reply, "apps"))
		cJSON_AddItemToArray(*names, cJSON_CreateString(cli_json_str(app, "name", "?")));
	cJSON_Delete(reply);
	return CLI_OK;
}

/* stop or delete FILE: the apps started from the file, and those of the
 * names it gives wherever they came from (pm2 acts on a file's names), the
 * names that are not loaded passed over. A file that does not load names
 * only the apps started from it. */
static void file_target_add(cJSON *req, char *path)
{
	struct eco e;
	memset(&e, 0, sizeof e);
	if (eco_load(path, &e) < 0 || e.n_apps == 0) {
		eco_free(&e);
		cli_target_add(req, &path, 1);
		return;
	}
	char **words = xcalloc((size_t)e.n_apps + 1, sizeof *words);
	words[0] = path;
	for (int i = 0; i < e.n_apps; i++)
		words[i + 1] = e.apps[i].name;
	cli_target_add(req, words, e.n_apps + 1);
	cJSON_AddBoolToObject(req, "some", 1);
	free(words);
	eco_free(&e);
}

/* Does what a->cmd asks of pos[0..n), adding the apps it named to *named. */
static int act_on(struct cli_args *a, char **pos, int n, const struct verb_opts *o, int *named)
{
	int stop_like = strcmp(a->cmd, "stop") == 0 || strcmp(a->cmd, "delete") == 0;
	int reload = strcmp(a->cmd, "reload") == 0;
	if (n == 1 && strcmp(pos[0], "-") == 0) {
		/* pm2's `-`: the apps of the process file on stdin, by name */
		int rc;
		cJSON *apps = cli_stdin_apps(&rc), *app;
		if (!apps)
			return rc;
		char **names = xcalloc((size_t)cJSON_GetArraySize(apps) + 1, sizeof *names);
		int k = 0;
		cJSON_ArrayForEach(app, apps) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(app, "name");
			if (cJSON_IsString(nm) && nm->valuestring[0])
				names[k++] = nm->valuestring;
		}
		rc = k ? act_on(a, names, k, o, named) :
		    cli_error(CLI_BADFILE, "stdin: no app has a name or a script");
		free(names);
		cJSON_Delete(apps);
		return rc;
	}
	if (n == 1 && cli_is_config_file(pos[0])) {
		if (o->toggle_watch)
			return cli_usage_error(a, "%s: --watch goes with apps; a process file says "
			    "what they watch", a->cmd);
		if (!stop_like)
			return restart_file(pos[0], o, reload, named);
		/* the file's apps, or those --only names */
		cJSON *req = cli_req(a->cmd);
		if (o->only) {
			cli_only_add(req, o->only);
			cJSON *only = cJSON_DetachItemFromObjectCaseSensitive(req, "only");
			cJSON_AddItemToObject(req, "target", only);
		} else {
			file_target_add(req, pos[0]);
		}
		return cli_call_names(req, done_word(a->cmd), named);
	}
	if (o->only || o->env_name)
		return cli_usage_error(a, "%s: --only and --env go with a process file", a->cmd);
	if (stop_like) {
		cJSON *req = cli_req(a->cmd);
		cli_target_add(req, pos, n);
		return cli_call_names(req, done_word(a->cmd), named);
	}
	if (!reload) {
		cJSON *req = cli_req("restart");
		cli_target_add(req, pos, n);
		cJSON *target = cJSON_DetachItemFromObjectCaseSensitive(req, "target");
		cJSON_Delete(req);
		return cli_call_names(restart_req(target, o->update_env, o->toggle_watch), "restarted",
		    named);
	}
	cJSON *names;
	int rc = names_of(pos, n, &names);
	if (rc != CLI_OK)
		return rc;
	rc = restart_each(names, o->update_env, o->toggle_watch, named);
	cJSON_Delete(names);
	return rc;
}

int cli_cmd_action(struct cli_args *a)
{
	struct verb_opts o = { 0 };
	char **pos = xcalloc((size_t)a->argc + 1, sizeof *pos);
	int n = cli_split(a, pos, a->argc, verb_opt_cb, &o);
	int rc, named = 0;
	if (n < 0)
		rc = CLI_USAGE;
	else if (n == 0)
		rc = cli_usage_error(a, "%s: which app?", a->cmd);
	else
		rc = act_on(a, pos, n, &o, &named);
	free(pos);
	return rc == CLI_OK ? cli_show_table(named) : rc;
}
