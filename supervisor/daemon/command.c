/* Command dispatch: each CLI request turned into app actions and an op that
 * answers once they are done. */
#include "command.h"
#include "apps.h"
#include "file.h"
#include "instances.h"
#include "link.h"
#include "ops.h"
#include "specs.h"
#include "appview.h"
#include "jsonw.h"
#include "clock.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define START_TIMEOUT_MS 15000
#define STOP_MARGIN_MS 5000
#define RESTART_MARGIN_MS 10000
#define ACK_TIMEOUT_MS 5000

/* ---- helpers ---- */

static cJSON *names_json(struct dapp **v, int n)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]->name));
	return arr;
}

static long long max_kill_timeout(struct dapp **v, int n)
{
	long long m = 0;
	for (int i = 0; i < n; i++)
		if (v[i]->spec.kill_timeout_ms > m)
			m = v[i]->spec.kill_timeout_ms;
	return m;
}

/* The apps req's targets name, or NULL after an error reply. */
static struct dapp **select_or_error(struct dclient *c, const struct proto_req *req, int *n)
{
	char *all[2] = { (char *)"all", NULL };
	char *cause = NULL;
	struct dapp **v = apps_select_many(c->d, req->targets ? req->targets : all, req->some, n,
	    &cause);
	if (!v) {
		client_error(c, "%s", cause ? cause : "no app is loaded");
		free(cause);
	}
	return v;
}

/* The apps req selects, or every app when it names none (*v may then be
 * NULL with *n 0). -1 after an error reply. */
static int select_or_all(struct dclient *c, const struct proto_req *req, struct dapp ***v, int *n)
{
	if (req->targets) {
		*v = select_or_error(c, req, n);
		return *v ? 0 : -1;
	}
	*v = apps_select(c->d, "all", n);
	return 0;
}

static void do_stop_app(struct dop *op, struct dapp *a)
{
	a->stops++;
	specs_set_stopped(a, SPEC_STOPPED);
	ops_add_app(op, a, OP_STOP, link_step(a, LE_STOP));
}

/* Restarts a, first with env as its base environment when env is not NULL
 * (--update-env) and its watching turned on or off when toggle is set
 * (--watch): the keeper reloads the spec that holds them. */
static void restart_app(struct dop *op, struct dapp *a, char *const *env, int toggle)
{
	struct lc_event ev = { .kind = LE_RESTART };
	specs_set_stopped(a, 0);
	if (env || toggle) {
		char *cause = NULL;
		struct app_spec old;
		spec_copy(&old, &a->spec);
		if (env)
			file_set_base_env(&a->spec, env);
		if (toggle)
			file_toggle_watch(&a->spec);
		if (specs_write(a, &cause) < 0) {
			dlog("%s: %s not updated: %s", a->name, !env ? "watching" : toggle ?
			    "environment and watching" : "environment", cause);
			free(cause);
			spec_free(&a->spec);
			a->spec = old;
		} else {
			spec_free(&old);
			ev.reload = 1;
		}
	}
	uint64_t seq = link_event(a, &ev);
	/* a connected keeper restarts its app; otherwise (or when a fresh
	 * keeper replaces an outdated one) it starts */
	ops_add_app(op, a, a->lc.state == LC_CONNECTED ? OP_RESTART : OP_START, seq);
}

/* ---- commands ---- */

static void cmd_ping(struct dclient *c)
{
	cJSON *r = proto_reply_ok();
	cJSON_AddNumberToObject(r, "pid", getpid());
	cJSON_AddStringToObject(r, "version", PSUP_VERSION);
	cJSON_AddStringToObject(r, "home", c->d->home);
	/* `psup daemon`, run by systemd or as a container's program: what
	 * started it restarts it, not `psup update` */
	cJSON_AddBoolToObject(r, "foreground", c->d->foreground);
	/* what the CLI's bound on a reply waits for (cli_client.h) */
	int n = 0;
	struct dapp **v = apps_select(c->d, "all", &n);
	cJSON_AddNumberToObject(r, "apps", n);
	cJSON_AddNumberToObject(r, "kill_timeout_ms", (double)max_kill_timeout(v, n));
	free(v);
	client_reply(c, r);
	cJSON_Delete(r);
}

static void cmd_list(struct dclient *c, const struct proto_req *req, int describe)
{
	struct daemon *d = c->d;
	int n = 0;
	struct dapp **v;
	if (select_or_all(c, req, &v, &n) < 0)
		return;
	struct jw w;
	jw_init(&w);
	jw_obj(&w, NULL);
	jw_bool(&w, "ok", 1);
	appview_list(d, v, n, (describe ? APPVIEW_DESCRIBE : 0) | (req->pm2 ? APPVIEW_PM2 : 0), &w);
	jw_end_obj(&w);
	buf_addc(&w.b, '\n');
	client_send_buf(c, &w.b);
	free(v);
}

/* A command on the apps req selects (v[0..n), which the caller frees). */
typedef void selected_fn(struct dclient *c, struct proto_req *req, struct dapp **v, int n);

static void on_selected(struct dclient *c, struct proto_req *req, selected_fn *fn)
{
	int n;
	struct dapp **v = select_or_error(c, req, &n);
	if (!v)
		return;
	fn(c, req, v, n);
	free(v);
	ops_changed(c->d);
}

static void cmd_action(struct dclient *c, struct proto_req *req, struct dapp **v, int n)
{
	struct daemon *d = c->d;
	long long kt = max_kill_timeout(v, n);
	struct dop *op;
	switch (req->cmd) {
	case PROTO_START: {
		/* with restart_running a running app restarts, as pm2's start
		 * of one does; without (psup web's start) it runs on */
		op = ops_new(d, c, OP_START, START_TIMEOUT_MS + kt);
		cJSON *started = cJSON_AddArrayToObject(op->reply, "started");
		cJSON *restarted = cJSON_AddArrayToObject(op->reply, "restarted");
		for (int i = 0; i < n; i++) {
			enum app_state_kind st = app_shown_state(v[i]);
			int running = req->restart_running && (st == APP_ONLINE || st == APP_LAUNCHING);
			cJSON_AddItemToArray(running ? restarted : started,
			    cJSON_CreateString(v[i]->name));
			/* --update-env: the keeper reloads the spec that holds it */
			if (running || req->update_env) {
				restart_app(op, v[i], req->update_env ? req->env : NULL, 0);
				continue;
			}
			specs_set_stopped(v[i], 0);
			uint64_t seq = link_step(v[i], LE_START);
			ops_add_app(op, v[i], OP_START, seq);
		}
		break;
	}
	case PROTO_STOP:
		op = ops_new(d, c, OP_STOP, kt + STOP_MARGIN_MS);
		for (int i = 0; i < n; i++)
			do_stop_app(op, v[i]);
		break;
	case PROTO_RESTART:
		op = ops_new(d, c, OP_RESTART, kt + RESTART_MARGIN_MS);
		for (int i = 0; i < n; i++)
			restart_app(op, v[i], req->update_env ? req->env : NULL, req->toggle_watch);
		break;
	case PROTO_DELETE:
	default:
		op = ops_new(d, c, OP_DELETE, kt + STOP_MARGIN_MS);
		for (int i = 0; i < n; i++) {
			link_step(v[i], LE_QUIT);
			ops_add_app(op, v[i], OP_DELETE, 0);
		}
		break;
	}
	cJSON_AddItemToObject(op->reply, "apps", names_json(v, n));
}

static void cmd_keeper_request(struct dclient *c, struct proto_req *req, struct dapp **v, int n)
{
	struct daemon *d = c->d;
	char line[64];
	if (req->cmd == PROTO_SIGNAL)
		snprintf(line, sizeof line, "signal %d", req->signal);
	else if (req->cmd == PROTO_RELOAD_LOGS)
		snprintf(line, sizeof line, "reopen");
	else
		snprintf(line, sizeof line, "%s", req->cmd == PROTO_RESET ? "reset" : "flush");
	struct dop *op = ops_new(d, c, OP_ACK, ACK_TIMEOUT_MS);
	cJSON *names = cJSON_CreateArray();
	char skipped[512] = "";
	size_t sl = 0;
	int sent = 0;
	for (int i = 0; i < n; i++) {
		uint64_t seq = link_send(v[i], line);
		if (seq) {
			ops_add_app(op, v[i], OP_ACK, seq);
			cJSON_AddItemToArray(names, cJSON_CreateString(v[i]->name));
			sent++;
		} else if (sl + strlen(v[i]->name) + 3 < sizeof skipped) {
			int w = snprintf(skipped + sl, sizeof skipped - sl, "%s%s", sl ? ", " : "", v[i]->name);
			if (w > 0)
				sl += (size_t)w;
		}
	}
	cJSON_AddItemToObject(op->reply, "apps", names);
	if (req->cmd == PROTO_SIGNAL && !sent) {
		cJSON_ReplaceItemInObject(op->reply, "ok", cJSON_CreateBool(0));
		char *msg = xasprintf("not running: %s", skipped);
		cJSON_AddStringToObject(op->reply, "error", msg);
		free(msg);
	}
}

/* start FILE or start SCRIPT (an app object): the caller's environment
 * is each new or changed app's base. */
static void cmd_start_file(struct dclient *c, const struct proto_req *req)
{
	struct daemon *d = c->d;
	struct dop *op = ops_new(d, c, OP_START, START_TIMEOUT_MS);
	struct file_start_opts o = { .env = req->env, .env_name = req->env_name, .only = req->only,
		.rerun = req->rerun, .adopt = req->adopt };
	if (req->app)
		file_start_app(d, req->app, req->cwd, &o, op, op->reply);
	else
		file_start(d, req->file, &o, op, op->reply);
	ops_changed(d);
}

static void cmd_save(struct dclient *c, const struct proto_req *req)
{
	cJSON *r = proto_reply_ok();
	char *cause = NULL;
	/* as pm2's: a save of no apps would leave nothing to resurrect (after
	 * a reboot without startup, say), so it is skipped unless forced or
	 * asked for (cleardump) */
	if (!c->d->apps && !req->force && !req->clear) {
		cJSON_AddBoolToObject(r, "skipped", 1);
		cJSON_AddItemToObject(r, "apps", cJSON_CreateArray());
		client_reply(c, r);
	} else if (file_save(c->d, req->clear, r, &cause) < 0) {
		client_error(c, "%s", cause);
		free(cause);
	} else {
		client_reply(c, r);
	}
	cJSON_Delete(r);
}

static void cmd_resurrect(struct dclient *c)
{
	struct daemon *d = c->d;
	struct dop *op = ops_new(d, c, OP_START, START_TIMEOUT_MS);
	char *cause = NULL;
	if (file_resurrect(d, op, op->reply, &cause) < 0) {
		cJSON_ReplaceItemInObject(op->reply, "ok", cJSON_CreateBool(0));
		cJSON_AddStringToObject(op->reply, "error", cause);
		free(cause);
	}
	ops_changed(d);
}

void command_kill(struct daemon *d, struct dclient *c)
{
	int n = 0;
	struct dapp **v = apps_select(d, "all", &n);
	d->killing = 1;
	struct dop *op = ops_new(d, c, OP_KILL, max_kill_timeout(v, n) + STOP_MARGIN_MS);
	for (int i = 0; i < n; i++) {
		link_step(v[i], LE_QUIT);
		ops_add_app(op, v[i], OP_KILL, 0);
	}
	cJSON_AddItemToObject(op->reply, "apps", names_json(v, n));
	free(v);
	dlog("kill: stopping %d app%s, then exiting", n, n == 1 ? "" : "s");
	ops_changed(d);
}

static int same_argv(const struct app_spec *a, const struct app_spec *b)
{
	size_t i = 0;
	for (; a->argv && b->argv && a->argv[i] && b->argv[i]; i++)
		if (strcmp(a->argv[i], b->argv[i]) != 0)
			return 0;
	return (!a->argv || !a->argv[i]) && (!b->argv || !b->argv[i]);
}

static int by_instance(const void *x, const void *y)
{
	const struct dapp *a = *(struct dapp *const *)x, *b = *(struct dapp *const *)y;
	return a->spec.instance - b->spec.instance;
}

/* pm2's scale: a group grows by instances made from its first (started
 * like new apps of a file) or shrinks by its last (deleted). The others run
 * on untouched. */
static void cmd_scale(struct dclient *c, struct proto_req *req)
{
	struct daemon *d = c->d;
	int n = 0;
	struct dapp **v = xcalloc(1, sizeof *v);
	for (struct dapp *a = d->apps; a; a = a->next) {
		const char *g = a->spec.group ? a->spec.group : a->name;
		if (strcmp(g, req->target) != 0)
			continue;
		v = xreallocarray(v, (size_t)n + 1, sizeof *v);
		v[n++] = a;
	}
	if (n == 0) {
		free(v);
		client_error(c, "no app or instances group named \"%s\"", req->target);
		return;
	}
	qsort(v, (size_t)n, sizeof *v, by_instance);
	/* {instance} in args was replaced when the file loaded: the new
	 * instances could only repeat the first's arguments */
	if (req->instances > n && n > 1 && !same_argv(&v[0]->spec, &v[1]->spec)) {
		client_error(c, "%s: its instances differ in their arguments ({instance}): change "
		    "instances in %s and start it again", req->target,
		    v[0]->spec.source ? v[0]->spec.source : "its file");
		free(v);
		return;
	}
	struct dop *op = ops_new(d, c, req->instances < n ? OP_DELETE : OP_START,
	    max_kill_timeout(v, n) + START_TIMEOUT_MS);
	cJSON *names = cJSON_CreateArray();
	for (int i = n; i > req->instances; i--) {
		link_step(v[i - 1], LE_QUIT);
		ops_add_app(op, v[i - 1], OP_DELETE, 0);
		cJSON_AddItemToArray(names, cJSON_CreateString(v[i - 1]->name));
	}
	for (int i = n + 1; i <= req->instances; i++) {
		struct app_spec s;
		char *cause = NULL;
		instances_spec(d, &v[0]->spec, i, req->instances, &s);
		struct dapp *a = apps_find(d, s.name);
		if (a || !app_name_ok(s.name)) {
			cause = xasprintf("%s: the name is taken", s.name);
		} else {
			a = app_new(d, s.name, d->next_id);
			spec_copy(&a->spec, &s);
			if (specs_write(a, &cause) < 0) {
				app_remove(a);
			} else {
				link_step(a, LE_LOAD);
				ops_add_app(op, a, OP_START, 0);
				cJSON_AddItemToArray(names, cJSON_CreateString(a->name));
			}
		}
		spec_free(&s);
		if (cause) {
			cJSON_ReplaceItemInObject(op->reply, "ok", cJSON_CreateBool(0));
			cJSON_AddStringToObject(op->reply, "error", cause);
			free(cause);
			break;
		}
	}
	cJSON_AddItemToObject(op->reply, req->instances < n ? "deleted" : "started", names);
	free(v);
	ops_changed(d);
}

static void cmd_wait(struct dclient *c, struct proto_req *req)
{
	struct daemon *d = c->d;
	int n = 0;
	struct dapp **v;
	if (select_or_all(c, req, &v, &n) < 0)
		return;
	struct dop *op = ops_new(d, c, OP_WAIT, req->timeout_ms);
	for (int i = 0; i < n; i++)
		ops_add_app(op, v[i], OP_WAIT, 0);
	free(v);
	ops_changed(d);
}

void command_dispatch(struct dclient *c, struct proto_req *req)
{
	if (c->d->killing && req->cmd != PROTO_PING) {
		client_error(c, "the daemon is shutting down");
		return;
	}
	switch (req->cmd) {
	case PROTO_PING:
		cmd_ping(c);
		break;
	case PROTO_LIST:
		cmd_list(c, req, 0);
		break;
	case PROTO_DESCRIBE:
		cmd_list(c, req, 1);
		break;
	case PROTO_START:
		if (req->file || req->app)
			cmd_start_file(c, req);
		else
			on_selected(c, req, cmd_action);
		break;
	case PROTO_STOP:
	case PROTO_RESTART:
	case PROTO_DELETE:
		on_selected(c, req, cmd_action);
		break;
	case PROTO_FLUSH:
	case PROTO_SIGNAL:
	case PROTO_RELOAD_LOGS:
	case PROTO_RESET:
		on_selected(c, req, cmd_keeper_request);
		break;
	case PROTO_SAVE:
		cmd_save(c, req);
		break;
	case PROTO_RESURRECT:
		cmd_resurrect(c);
		break;
	case PROTO_KILL:
		command_kill(c->d, c);
		break;
	case PROTO_WAIT:
		cmd_wait(c, req);
		break;
	case PROTO_SCALE:
		cmd_scale(c, req);
		break;
	}
}
