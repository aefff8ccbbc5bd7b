/* The daemon object and its loop glue (daemon.c). struct daemon owns every
 * app, client and op: each is unlinked when it dies and freed by the sweep
 * after the loop pass, so a callback never frees something a later callback
 * of the same pass may still touch. */
#ifndef PSUP_DAEMON_CORE_H
#define PSUP_DAEMON_CORE_H

#include <stdint.h>

#include "launchq.h"
#include "loop.h"
#include "speclog.h"

struct dapp;
struct dclient;
struct ctlsrv;
struct dop;
struct homewatch;

/* The home's spec file as the daemon keeps it: specs.c's (load asks it
 * for a rewrite after giving apps ids). */
struct dspecs {
	struct speclog log;         /* open for appending, or closed (fd -1) */
	size_t live;                /* its bytes in the apps' last records */
	size_t dead;                /* its bytes in superseded records */
	int rewrite;                /* rewrite it whole at the next chance */
	struct speclog_rec *kept;   /* its records no app was loaded from,
	                             * written back as they are */
	size_t nkept;
	uint64_t tidy_timer;        /* a rewrite waiting (specs.c) */
};

struct daemon {
	char *home;
	char *sock_path, *pid_path, *lock_path, *apps_dir, *dump_path;
	char *keeper_path;
	char *keeper_log;
	char *run_dir;              /* the runtime directory (home.h), or NULL: each
	                             * app's runtime files are in its spec_dir */
	char *cgroup_base;          /* where keepers make their apps' cgroups
	                             * (cgroup.h), or NULL: psup goes without */
	int foreground;
	struct loop *loop;
	int lock_fd;
	struct ctlsrv *ctl;         /* the CLI socket */
	struct dapp *apps;          /* ordered by id */
	struct dclient *clients;
	struct dop *ops;
	int next_id;
	struct dspecs specs;        /* the home's spec file (specs.c) */
	struct launchq launchq;     /* keepers to launch, a few at a time (link.c) */
	int killing;                /* `psup kill` in progress */
	struct homewatch *homewatch; /* the watch of the home (homewatch.c) */
	int home_lost;              /* the home is no longer this daemon's: nothing
	                             * at its paths is touched again */
	int keeper_slot;            /* a low descriptor on /dev/null that carries a
	                             * keeper's readiness pipe while it starts, so
	                             * its child copies no more of the daemon's
	                             * descriptors (keeperexec.c); -1: none */
	int keeper_slot_null;       /* /dev/null, put back on keeper_slot after */
	long long nofile_max;       /* the descriptor limit the daemon runs with */
	long long nofile_soft;      /* the soft RLIMIT_NOFILE the daemon was started
	                             * with, given back to keepers; -1 = unchanged */
	int exit_code;
	/* An app's state may have changed: how link.c, at the bottom, reports
	 * keeper events without calling up into the layers that call it
	 * (ops_changed() runs at the end of the loop pass). */
	void (*on_change)(struct daemon *d);
	int changed;                /* on_change() since the last check (daemon.c) */
	int checking;               /* ops_changed() is running */
	int recheck;                /* state changed during ops_changed() */
	char **trash;               /* APPDIRs renamed away, removed after the pass (trash.c) */
	int ntrash;
	unsigned trash_seq;
	int64_t trim_next;          /* the heap's next check (heaptrim.h), monotonic ms */
	uint64_t trim_timer;        /* wakes the loop for it after a burst */
	/* unlinked, freed after the loop pass */
	struct dapp *dead_apps;
	struct dclient *dead_clients;
	struct dop *dead_ops;
};

void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void daemon_exit_soon(struct daemon *d);
/* Unlink from the live list now; free after the loop pass. */
void daemon_bury_app(struct dapp *a);
void daemon_bury_client(struct dclient *c);
void daemon_bury_op(struct dop *o);

#endif
