/* The processes of an app from the daemon's side (procs.c): proving a
 * recorded pid is still a psup keeper, killing what is left of an app. */
#ifndef PSUP_PROCS_H
#define PSUP_PROCS_H

#include <sys/types.h>

#include "appstate.h"

struct dapp;

/* 1 when pid is a live (not zombie) psup keeper; a pid reused by another
 * program does not count. */
int procs_keeper_alive(pid_t pid);
/* Reads APPDIR/status into *st; *have is 1 when it could be read. */
void procs_read_status(struct dapp *a, struct app_state *st, int *have);
/* SIGKILLs the app's process group (the pushed one and the one its status
 * file names) and its keeper, when they still exist and are still ours. */
void procs_kill_all(struct dapp *a);

#endif
