/* Command dispatch, and ops: replies that wait until apps reach a state
 * (stop: stopped; restart: a new pid; delete: keeper gone; wait: finished),
 * each bounded by a deadline on the loop. */
#include "daemon_int.h"
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

/* ---- ops ---- */

static void op_timeout_cb(struct loop *l, uint64_t id, void *arg);

struct dop *op_new(struct daemon *d, struct dclient *c, enum dop_kind kind, int64_t timeout_ms)
{
	struct dop *op = xcalloc(1, sizeof *op);
	op->d = d;
	op->kind = kind;
	op->client = c;
	op->reply = proto_reply_ok();
	if (c)
		c->busy = 1;
	if (timeout_ms > 0) {
		op->deadline = clock_mono_ms() + timeout_ms;
		op->timer = loop_timer_at(d->loop, op->deadline, op_timeout_cb, op);
	}
	op->next = d->ops;
	d->ops = op;
	return op;
}

void op_add_app(struct dop *op, struct dapp *a, enum dop_kind kind, uint64_t seq)
{
	for (int i = 0; i < op->n; i++)
		if (op->apps[i].id == a->id)
			return;
	op->apps = xreallocarray(op->apps, (size_t)op->n + 1, sizeof *op->apps);
	struct dop_app *x = &op->apps[op->n++];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->id = a->id;
	x->seq = seq;
	x->old_pid = a->have_state ? a->st.pid : 0;
	x->stops = a->stops;
}

void op_free(struct dop *op)
{
	if (op->timer)
		loop_timer_del(op->d->loop, op->timer);
	cJSON_Delete(op->reply);
	free(op->apps);
	free(op);
}

static int is_stopped(enum app_state_kind s)
{
	return s == APP_STOPPED || s == APP_COMPLETED || s == APP_ERRORED;
}

/* Did the keeper refuse request seq? Then the app is done and failed. */
static int refused(struct dapp *a, struct dop_app *x)
{
	if (x->seq && a->acked >= x->seq && a->err_seq == x->seq) {
		x->failed = 1;
		snprintf(x->why, sizeof x->why, "%s: %s", a->name, a->err);
		return 1;
	}
	return 0;
}

static int app_done(struct daemon *d, struct dop_app *x)
{
	struct dapp *a = dapp_by_id(d, x->id);
	if (!a)
		return 1;
	enum app_state_kind s = dapp_state(a);
	switch ((enum dop_kind)x->kind) {
	case OP_START:
		if (a->phase != PHASE_KEEPER || a->stops != x->stops)
			return 1;       /* held, idle, or stopped by a later request */
		if (refused(a, x))
			return 1;
		/* autostart: false loads the app stopped; its keeper speaking is
		 * the end of a `start FILE` */
		if (!x->seq && !a->spec.autostart && !a->want_start && a->kfd >= 0 &&
		    a->pushes > 0 && a->acked >= a->start_seq)
			return 1;
		if (a->start_seq && a->acked >= a->start_seq && a->err_seq == a->start_seq) {
			x->failed = 1;
			snprintf(x->why, sizeof x->why, "%s: %s", a->name, a->err);
			return 1;
		}
		return a->kfd >= 0 && a->pushes > 0 && a->acked >= x->seq &&
		    !a->want_start && a->acked >= a->start_seq &&
		    s != APP_STOPPED && s != APP_STOPPING;
	case OP_STOP:
		if (!keeper_active(a) || a->phase != PHASE_KEEPER)
			return 1;
		if (a->want_stop)
			return 0;       /* not even sent yet */
		if (!x->seq)
			x->seq = a->stop_seq;
		if (refused(a, x))
			return 1;
		return a->kfd >= 0 && a->acked >= x->seq && is_stopped(s);
	case OP_RESTART:
		if (a->phase != PHASE_KEEPER || a->stops != x->stops)
			return 1;
		if (refused(a, x))
			return 1;
		return a->kfd >= 0 && a->pushes > 0 && a->acked >= x->seq && !a->want_start &&
		    s != APP_STOPPING && s != APP_STOPPED && (a->st.pid != x->old_pid || a->st.pid == 0);
	case OP_DELETE:
		if (keeper_active(a))
			return 0;
		dapp_remove(a);
		return 1;
	case OP_KILL:
		return !keeper_active(a);
	case OP_ACK:
		if (a->kfd < 0)
			return 1;
		refused(a, x);
		return a->acked >= x->seq;
	case OP_WAIT:
		return dapp_finished(a);
	}
	return 1;
}

static cJSON *wait_apps_json(struct daemon *d, struct dop *op, int *all_completed)
{
	cJSON *arr = cJSON_CreateArray();
	*all_completed = 1;
	for (int i = 0; i < op->n; i++) {
		struct dapp *a = dapp_by_id(d, op->apps[i].id);
		if (!a)
			continue;
		enum app_state_kind s = dapp_state(a);
		if (s != APP_COMPLETED)
			*all_completed = 0;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", a->name);
		cJSON_AddStringToObject(o, "state", app_state_name(s));
		cJSON_AddStringToObject(o, "reason", dapp_reason(a));
		if (a->have_state && a->st.n_exits > 0 && a->st.exits[0].code >= 0)
			cJSON_AddNumberToObject(o, "exit_code", a->st.exits[0].code);
		else
			cJSON_AddNullToObject(o, "exit_code");
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void kill_finish(struct daemon *d)
{
	/* every keeper is gone: nothing of the apps may be left either */
	for (struct dapp *a = d->apps; a; a = a->next) {
		keeper_kill_all(a);
	}
	while (d->apps)
		dapp_remove(d->apps);
	daemon_exit_soon(d);
}

static void op_finish(struct dop *op, int timed_out)
{
	struct daemon *d = op->d;
	cJSON *r = op->reply;
	if (op->kind == OP_WAIT) {
		int all;
		cJSON_AddItemToObject(r, "apps", wait_apps_json(d, op, &all));
		cJSON_AddBoolToObject(r, "completed", all);
		if (timed_out) {
			cJSON_ReplaceItemInObject(r, "ok", cJSON_CreateBool(0));
			cJSON_AddStringToObject(r, "error", "timed out");
		}
	} else {
		char why[1024] = "";
		size_t wl = 0;
		int nfailed = 0;
		for (int i = 0; i < op->n; i++) {
			struct dop_app *x = &op->apps[i];
			struct dapp *a = dapp_by_id(d, x->id);
			const char *msg = NULL;
			char buf[512];
			if (x->failed)
				msg = x->why;
			else if (timed_out && !x->done && a) {
				snprintf(buf, sizeof buf, "%s: timed out (state %s)", a->name,
				    app_state_name(dapp_state(a)));
				msg = buf;
			}
			if (!msg)
				continue;
			nfailed++;
			int w = snprintf(why + wl, sizeof why - wl, "%s%s", wl ? "; " : "", msg);
			if (w > 0 && (size_t)w < sizeof why - wl)
				wl += (size_t)w;
		}
		if (op->kind == OP_KILL || op->kind == OP_DELETE) {
			/* a bounded end: what did not go by itself is killed */
			if (timed_out) {
				for (int i = 0; i < op->n; i++) {
					struct dapp *a = dapp_by_id(d, op->apps[i].id);
					if (a && !op->apps[i].done) {
						dlog("%s: did not quit in time: killing it", a->name);
						keeper_detach(a);
						keeper_kill_all(a);
						if (op->kind == OP_DELETE)
							dapp_remove(a);
					}
				}
			}
			nfailed = 0;
		}
		if (nfailed) {
			cJSON_ReplaceItemInObject(r, "ok", cJSON_CreateBool(0));
			cJSON_AddStringToObject(r, "error", why);
		}
	}
	if (op->client) {
		client_reply(op->client, r);
		client_done(op->client);
	}
	op->client = NULL;
	if (op->timer) {
		loop_timer_del(d->loop, op->timer);
		op->timer = 0;
	}
	enum dop_kind kind = op->kind;
	daemon_bury_op(op);
	if (kind == OP_KILL)
		kill_finish(d);
}

void ops_check(struct daemon *d)
{
	for (struct dop *op = d->ops, *next; op; op = next) {
		next = op->next;
		if (op->dead)
			continue;
		int all = 1;
		for (int i = 0; i < op->n; i++) {
			struct dop_app *x = &op->apps[i];
			if (!x->done)
				x->done = app_done(d, x);
			if (!x->done)
				all = 0;
		}
		if (all) {
			op_finish(op, 0);
			next = d->ops;      /* the list may have changed */
		}
	}
}

static void op_timeout_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct dop *op = arg;
	op->timer = 0;
	if (!op->dead)
		op_finish(op, 1);
}

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

static struct dapp **select_or_error(struct dclient *c, const char *target, int *n)
{
	struct dapp **v = dapp_select(c->d, target, n);
	if (!v) {
		if (strcmp(target, "all") == 0)
			client_error(c, "no app is loaded");
		else
			client_error(c, "no app named \"%s\" (not a name, group or id)", target);
	}
	return v;
}

uint64_t cmd_start_app(struct dapp *a)
{
	switch (a->phase) {
	case PHASE_AFTER:
		return 0;
	case PHASE_AFTER_FAILED:
		a->phase = PHASE_AFTER;    /* look at the dependencies again */
		return 0;
	case PHASE_IDLE:
		a->reason[0] = '\0';
		a->fail_count = 0;
		a->want_stop = 0;
		if (a->spec.after && a->spec.after[0] && !a->have_state) {
			a->phase = PHASE_AFTER;
			return 0;
		}
		a->want_start = 1;
		keeper_launch(a);
		return 0;
	case PHASE_KEEPER:
		a->want_stop = 0;
		if (a->kfd >= 0)
			return keeper_send(a, "start");
		a->want_start = 1;
		return 0;
	}
	return 0;
}

static void do_stop_app(struct dop *op, struct dapp *a)
{
	if (a->phase == PHASE_AFTER || a->phase == PHASE_AFTER_FAILED) {
		a->phase = PHASE_IDLE;
		a->reason[0] = '\0';
		if (!a->have_state) {
			memset(&a->st, 0, sizeof a->st);
			a->have_state = 1;
		}
		a->st.state = APP_STOPPED;
	}
	a->stops++;
	op_add_app(op, a, OP_STOP, keeper_stop(a));
}

/* ---- commands ---- */

static void cmd_ping(struct dclient *c)
{
	cJSON *r = proto_reply_ok();
	cJSON_AddNumberToObject(r, "pid", getpid());
	cJSON_AddStringToObject(r, "version", PSUP_VERSION);
	cJSON_AddStringToObject(r, "home", c->d->home);
	client_reply(c, r);
	cJSON_Delete(r);
}

static void cmd_list(struct dclient *c, const char *target, int describe)
{
	struct daemon *d = c->d;
	int n = 0;
	struct dapp **v;
	if (target) {
		if (!(v = select_or_error(c, target, &n)))
			return;
	} else {
		v = dapp_select(d, "all", &n);
	}
	struct jw w;
	jw_init(&w);
	jw_obj(&w, NULL);
	jw_bool(&w, "ok", 1);
	dapp_json_list(d, v, n, describe, &w);
	jw_end_obj(&w);
	size_t len;
	char *s = jw_finish(&w, &len);
	s[len++] = '\n';           /* jw always leaves room for one byte */
	client_send(c, s, len);
	free(v);
}

static void cmd_action(struct dclient *c, struct proto_req *req)
{
	struct daemon *d = c->d;
	int n;
	struct dapp **v = select_or_error(c, req->target, &n);
	if (!v)
		return;
	long long kt = max_kill_timeout(v, n);
	struct dop *op;
	switch (req->cmd) {
	case PROTO_START:
		op = op_new(d, c, OP_START, START_TIMEOUT_MS);
		for (int i = 0; i < n; i++) {
			uint64_t seq = cmd_start_app(v[i]);
			op_add_app(op, v[i], OP_START, seq);
		}
		break;
	case PROTO_STOP:
		op = op_new(d, c, OP_STOP, kt + STOP_MARGIN_MS);
		for (int i = 0; i < n; i++)
			do_stop_app(op, v[i]);
		break;
	case PROTO_RESTART:
		op = op_new(d, c, OP_RESTART, kt + RESTART_MARGIN_MS);
		for (int i = 0; i < n; i++) {
			struct dapp *a = v[i];
			if (a->phase == PHASE_KEEPER && a->kfd >= 0) {
				a->want_start = 0;
				op_add_app(op, a, OP_RESTART, keeper_send(a, "restart"));
			} else {
				op_add_app(op, a, OP_START, cmd_start_app(a));
			}
		}
		break;
	case PROTO_DELETE:
	default:
		op = op_new(d, c, OP_DELETE, kt + STOP_MARGIN_MS);
		for (int i = 0; i < n; i++) {
			keeper_quit(v[i]);
			op_add_app(op, v[i], OP_DELETE, 0);
		}
		break;
	}
	cJSON_AddItemToObject(op->reply, "apps", names_json(v, n));
	free(v);
	daemon_changed(d);
}

static void cmd_keeper_request(struct dclient *c, struct proto_req *req)
{
	struct daemon *d = c->d;
	int n;
	struct dapp **v = select_or_error(c, req->target ? req->target : "all", &n);
	if (!v)
		return;
	char line[64];
	if (req->cmd == PROTO_SIGNAL)
		snprintf(line, sizeof line, "signal %d", req->signal);
	else
		snprintf(line, sizeof line, "flush");
	struct dop *op = op_new(d, c, OP_ACK, ACK_TIMEOUT_MS);
	cJSON *names = cJSON_CreateArray();
	char skipped[512] = "";
	size_t sl = 0;
	int sent = 0;
	for (int i = 0; i < n; i++) {
		uint64_t seq = keeper_send(v[i], line);
		if (seq) {
			op_add_app(op, v[i], OP_ACK, seq);
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
	free(v);
	daemon_changed(d);
}

static void cmd_start_file(struct dclient *c, const char *path)
{
	struct daemon *d = c->d;
	struct dop *op = op_new(d, c, OP_START, START_TIMEOUT_MS);
	file_start(d, path, NULL, 0, op, op->reply);
	daemon_changed(d);
}

static void cmd_save(struct dclient *c)
{
	cJSON *r = proto_reply_ok();
	char *cause = NULL;
	if (file_save(c->d, r, &cause) < 0) {
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
	struct dop *op = op_new(d, c, OP_START, START_TIMEOUT_MS);
	char *cause = NULL;
	if (file_resurrect(d, op, op->reply, &cause) < 0) {
		cJSON_ReplaceItemInObject(op->reply, "ok", cJSON_CreateBool(0));
		cJSON_AddStringToObject(op->reply, "error", cause);
		free(cause);
	}
	daemon_changed(d);
}

static void cmd_kill(struct dclient *c)
{
	struct daemon *d = c->d;
	int n = 0;
	struct dapp **v = dapp_select(d, "all", &n);
	d->killing = 1;
	struct dop *op = op_new(d, c, OP_KILL, max_kill_timeout(v, n) + STOP_MARGIN_MS);
	for (int i = 0; i < n; i++) {
		keeper_quit(v[i]);
		op_add_app(op, v[i], OP_KILL, 0);
	}
	cJSON_AddItemToObject(op->reply, "apps", names_json(v, n));
	free(v);
	dlog("kill: stopping %d app%s, then exiting", n, n == 1 ? "" : "s");
	daemon_changed(d);
}

static void cmd_wait(struct dclient *c, struct proto_req *req)
{
	struct daemon *d = c->d;
	int n = 0;
	struct dapp **v;
	if (req->target) {
		if (!(v = select_or_error(c, req->target, &n)))
			return;
	} else {
		v = dapp_select(d, "all", &n);
	}
	struct dop *op = op_new(d, c, OP_WAIT, req->timeout_ms);
	for (int i = 0; i < n; i++)
		op_add_app(op, v[i], OP_WAIT, 0);
	free(v);
	daemon_changed(d);
}

void cmd_dispatch(struct dclient *c, struct proto_req *req)
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
		cmd_list(c, NULL, 0);
		break;
	case PROTO_DESCRIBE:
		cmd_list(c, req->target, 1);
		break;
	case PROTO_START:
		if (req->file)
			cmd_start_file(c, req->file);
		else
			cmd_action(c, req);
		break;
	case PROTO_STOP:
	case PROTO_RESTART:
	case PROTO_DELETE:
		cmd_action(c, req);
		break;
	case PROTO_FLUSH:
	case PROTO_SIGNAL:
		cmd_keeper_request(c, req);
		break;
	case PROTO_SAVE:
		cmd_save(c);
		break;
	case PROTO_RESURRECT:
		cmd_resurrect(c);
		break;
	case PROTO_KILL:
		cmd_kill(c);
		break;
	case PROTO_WAIT:
		cmd_wait(c, req);
		break;
	}
}
