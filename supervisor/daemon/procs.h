/* The processes of an app from the daemon's side (procs.c): proving a
 * recorded pid is still this app's keeper or group, killing what is left
 * of an app. */
#ifndef PSUP_PROCS_H
#define PSUP_PROCS_H

#include <sys/types.h>

#include "appstate.h"
#include "procid.h"

struct dapp;

/* Is pid a's keeper? PROCID_YES for a keeper this daemon launched and has
 * not reaped, or a live psup keeper in a's directory (started when its
 * status says, when it says); PROCID_NO when gone or a stranger (a
 * recycled pid, another home's keeper); PROCID_UNSURE for want of a
 * descriptor: conclude nothing, ask again later. */
int procs_keeper(struct dapp *a, pid_t pid);
/* 1 when a's keeper (connected: proven ours) runs another program than
 * the installed keeper: the file it was started from was replaced (psup
 * upgraded), as its /proc/PID/exe and the keeper path tell by inode. 0
 * when they are the same, or either cannot be looked at. */
int procs_keeper_outdated(struct dapp *a);
/* The pid APPDIR/keeper.pid names, 0 when none; PROCID_UNSURE in *unsure
 * (may be NULL) when it could not be read for want of a descriptor. */
pid_t procs_pidfile(struct dapp *a, int *unsure);
/* Reads APPDIR/status into *st; *have is 1 when it could be read. */
void procs_read_status(struct dapp *a, struct app_state *st, int *have);
/* SIGKILLs what is left of the app, each only when proven a's: the
 * process groups the pushed state and the status file name, and the
 * keepers a->keeper_pid and keeper.pid name. */
void procs_kill_all(struct dapp *a);

#endif
