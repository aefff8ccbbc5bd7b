/* Ops: replies that wait until apps reach a state (stop: stopped; restart: a
 * new pid; delete: keeper gone; wait: finished), each bounded by a deadline
 * on the loop. */
#include "ops.h"
#include "apps.h"
#include "buf.h"
#include "clock.h"
#include "control.h"
#include "link.h"
#include "procs.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Apps named with their reason in a failed op's error; the rest counted. */
#define OPS_WHY_SHOWN 5

static void op_timeout_cb(struct loop *l, uint64_t id, void *arg);

struct dop *ops_new(struct daemon *d, struct dclient *c, enum dop_kind kind, int64_t timeout_ms)
{
	struct dop *op = xcalloc(1, sizeof *op);
	op->d = d;
	op->kind = kind;
	op->client = c;
	op->reply = proto_reply_ok();
	op->pick = apps_pick_mark();
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

void ops_add_app(struct dop *op, struct dapp *a, enum dop_kind kind, uint64_t seq)
{
	if (a->picked == op->pick)
		return;
	a->picked = op->pick;
	if (op->n == op->cap) {
		op->cap = op->cap ? op->cap * 2 : 8;
		op->apps = xreallocarray(op->apps, (size_t)op->cap, sizeof *op->apps);
	}
	struct dop_app *x = &op->apps[op->n++];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->id = a->id;
	x->seq = seq;
	x->old_pid = a->have_state ? a->st.pid : 0;
	x->stops = a->stops;
	if (op->deadline && op->kind != OP_WAIT)
		op->deadline += OPS_PER_APP_MS;
}

void ops_free(struct dop *op)
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

/* Did the keeper refuse request seq (0: none)? Then the app is done and
 * failed. */
static int refused_seq(struct dapp *a, struct dop_app *x, uint64_t seq)
{
	if (seq && a->acked >= seq && a->err_seq == seq) {
		x->failed = 1;
		snprintf(x->why, sizeof x->why, "%s: %s", a->name, a->err);
		return 1;
	}
	return 0;
}

static int refused(struct dapp *a, struct dop_app *x)
{
	return refused_seq(a, x, x->seq);
}

/* The keeper of this connection has said where its app is and answered
 * request seq, and no start waits to be sent to it. */
static int answered(const struct dapp *a, uint64_t seq)
{
	return a->kfd >= 0 && a->pushes > 0 && a->acked >= seq && !a->lc.want_start;
}

static int running(enum app_state_kind s)
{
	return s != APP_STOPPED && s != APP_STOPPING;
}

/* The apps by id, for one pass over the ops or one op's answer: an op
 * holds ids (its apps may go), and a list walk per app made every check
 * O(apps²), seconds of CPU per keeper event with thousands of apps.
 * Entries may be removed during the pass (dead); later lookups see them
 * gone. Caller frees by_id. */
struct app_index {
	struct dapp **by_id;
	int n;
};

static void index_build(struct daemon *d, struct app_index *ix)
{
	int max = -1;
	for (struct dapp *a = d->apps; a; a = a->next)
		if (a->id > max)
			max = a->id;
	ix->n = max + 1;
	ix->by_id = xcalloc((size_t)(ix->n ? ix->n : 1), sizeof *ix->by_id);
	for (struct dapp *a = d->apps; a; a = a->next)
		if (a->id >= 0)
			ix->by_id[a->id] = a;
}

static struct dapp *index_get(const struct app_index *ix, int id)
{
	struct dapp *a = id >= 0 && id < ix->n ? ix->by_id[id] : NULL;
	return a && !a->dead ? a : NULL;
}

/* Short of descriptors (or memory), the daemon cannot reach the keeper:
 * it may well run on, and is attached once some are free. An op says so
 * at once instead of timing out over thousands of apps. */
static int stalled(struct dapp *a, struct dop_app *x)
{
	if (a->lc.state != LC_STALLED)
		return 0;
	x->failed = 1;
	snprintf(x->why, sizeof x->why, "%s: cannot reach its keeper: the daemon is short of "
	    "descriptors (it may hold %lld; `ulimit -Hn` before it starts raises that)", a->name,
	    a->d->nofile_max);
	return 1;
}

static int app_done(struct dapp *a, struct dop_app *x)
{
	if (!a)
		return 1;
	enum app_state_kind s = app_shown_state(a);
	if (x->kind != OP_DELETE && x->kind != OP_KILL && x->kind != OP_WAIT && stalled(a, x))
		return 1;
	switch ((enum dop_kind)x->kind) {
	case OP_START:
		if (!lifecycle_has_keeper(&a->lc) || a->stops != x->stops)
			return 1;       /* held, idle, or stopped by a later request */
		if (refused(a, x))
			return 1;
		/* autostart: false loads the app stopped, as a stopped app's
		 * saved spec does; its keeper speaking is the end of a `start
		 * FILE` or `resurrect` */
		if (!x->seq && (!a->spec.autostart || a->spec.stopped) && answered(a, a->start_seq))
			return 1;
		/* a start sent once the keeper answered may be refused too */
		if (refused_seq(a, x, a->start_seq))
			return 1;
		if (!answered(a, x->seq) || a->acked < a->start_seq || !running(s))
			return 0;
		/* a program that cannot be executed fails the start, named: the
		 * keeper's reason for a spawn that failed says "cannot ..." (an
		 * app that ran and exited is not a failed start) */
		if (s == APP_ERRORED && strncmp(app_reason(a), "cannot ", 7) == 0) {
			x->failed = 1;
			snprintf(x->why, sizeof x->why, "%s: %s", a->name, app_reason(a));
		}
		return 1;
	case OP_STOP:
		if (!lifecycle_has_keeper(&a->lc))
			return 1;
		if (a->lc.want_stop)
			return 0;       /* not even sent yet */
		if (!x->seq)
			x->seq = a->stop_seq;
		if (refused(a, x))
			return 1;
		return a->kfd >= 0 && a->acked >= x->seq && is_stopped(s);
	case OP_RESTART:
		if (!lifecycle_has_keeper(&a->lc) || a->stops != x->stops)
			return 1;
		if (refused(a, x))
			return 1;
		return answered(a, x->seq) && running(s) &&
		    (a->st.pid != x->old_pid || a->st.pid == 0);
	case OP_DELETE:
		if (lifecycle_active(&a->lc))
			return 0;
		app_remove(a);
		return 1;
	case OP_KILL:
		return !lifecycle_active(&a->lc);
	case OP_ACK:
		if (a->kfd < 0)
			return 1;
		refused(a, x);
		return a->acked >= x->seq;
	case OP_WAIT:
		return app_finished(a);
	}
	return 1;
}

static cJSON *wait_apps_json(const struct app_index *ix, struct dop *op, int *all_completed)
{
	cJSON *arr = cJSON_CreateArray();
	*all_completed = 1;
	for (int i = 0; i < op->n; i++) {
		struct dapp *a = index_get(ix, op->apps[i].id);
		if (!a)
			continue;
		enum app_state_kind s = app_shown_state(a);
		if (s != APP_COMPLETED)
			*all_completed = 0;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", a->name);
		cJSON_AddStringToObject(o, "state", app_state_name(s));
		cJSON_AddStringToObject(o, "reason", app_reason(a));
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
		procs_kill_all(a);
	}
	/* a lost home's spec file and folders may be another daemon's now */
	while (d->apps && !d->home_lost)
		app_remove(d->apps);
	daemon_exit_soon(d);
}

static void op_finish(struct dop *op, int timed_out)
{
	struct daemon *d = op->d;
	cJSON *r = op->reply;
	struct app_index ix;
	index_build(d, &ix);
	if (op->kind == OP_WAIT) {
		int all;
		cJSON_AddItemToObject(r, "apps", wait_apps_json(&ix, op, &all));
		cJSON_AddBoolToObject(r, "completed", all);
		if (timed_out) {
			cJSON_ReplaceItemInObject(r, "ok", cJSON_CreateBool(0));
			cJSON_AddStringToObject(r, "error", "timed out");
		}
	} else {
		struct buf why = { 0 };
		int nfailed = 0;
		for (int i = 0; i < op->n; i++) {
			struct dop_app *x = &op->apps[i];
			struct dapp *a = index_get(&ix, x->id);
			const char *msg = NULL;
			char buf[512];
			if (x->failed)
				msg = x->why;
			else if (timed_out && !x->done && a) {
				snprintf(buf, sizeof buf, "%s: timed out (state %s)", a->name,
				    app_state_name(app_shown_state(a)));
				msg = buf;
			}
			if (!msg)
				continue;
			/* the first few say why; the rest are counted */
			if (nfailed < OPS_WHY_SHOWN)
				buf_printf(&why, "%s%s", why.len ? "; " : "", msg);
			nfailed++;
		}
		if (nfailed > OPS_WHY_SHOWN)
			buf_printf(&why, "; and %d more (%d of %d apps)", nfailed - OPS_WHY_SHOWN,
			    nfailed, op->n);
		if (op->kind == OP_KILL || op->kind == OP_DELETE) {
			/* a bounded end: what did not go by itself is killed */
			if (timed_out) {
				for (int i = 0; i < op->n; i++) {
					struct dapp *a = index_get(&ix, op->apps[i].id);
					if (a && !op->apps[i].done) {
						dlog("%s: did not quit in time: killing it", a->name);
						link_detach(a);
						procs_kill_all(a);
						if (op->kind == OP_DELETE)
							app_remove(a);
					}
				}
			}
			nfailed = 0;
		}
		if (nfailed) {
			cJSON_ReplaceItemInObject(r, "ok", cJSON_CreateBool(0));
			cJSON_AddStringToObject(r, "error", why.p);
		}
		buf_free(&why);
	}
	free(ix.by_id);
	/* The reply may find the client gone (close_cb then clears
	 * op->client): hold it here. A closed client stays allocated until
	 * the sweep, and client_done() knows it is dead. */
	struct dclient *c = op->client;
	op->client = NULL;
	if (c) {
		client_reply(c, r);
		client_done(c);
	}
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
	if (!d->ops)
		return;
	struct app_index ix;
	index_build(d, &ix);
	for (struct dop *op = d->ops, *next; op; op = next) {
		next = op->next;
		if (op->dead)
			continue;
		int all = 1;
		for (int i = 0; i < op->n; i++) {
			struct dop_app *x = &op->apps[i];
			if (!x->done)
				x->done = app_done(index_get(&ix, x->id), x);
			if (!x->done)
				all = 0;
		}
		if (all) {
			op_finish(op, 0);
			next = d->ops;      /* the list may have changed */
		}
	}
	free(ix.by_id);
}

/* op_finish() deletes the timer of the op it answers before burying it, so
 * the op of a timer that fires is live. */
static void op_timeout_cb(struct loop *l, uint64_t id, void *arg)
{
	(void)l, (void)id;
	struct dop *op = arg;
	op->timer = 0;
	/* apps added since the timer was set moved the deadline */
	if (clock_mono_ms() < op->deadline) {
		op->timer = loop_timer_at(op->d->loop, op->deadline, op_timeout_cb, op);
		return;
	}
	op_finish(op, 1);
}


void ops_changed(struct daemon *d)
{
	/* callbacks of the checks may change states again: loop, never recurse */
	if (d->checking) {
		d->recheck = 1;
		return;
	}
	d->checking = 1;
	do {
		d->recheck = 0;
		apps_after_check(d);
		ops_check(d);
	} while (d->recheck);
	d->checking = 0;
}
