/* Keepers from the daemon's side (link.c): launch one detached per app,
 * connect to its control.sock, keep its latest pushed status, and recover
 * when one dies. The link's fields live in struct dapp (apps.h). */
#ifndef PSUP_LINK_H
#define PSUP_LINK_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon_core.h"

struct dapp;

/* Launches a keeper for a (phase PHASE_KEEPER) and starts connecting. */
void link_launch(struct dapp *a);
/* At start-up: connect to a live keeper, else recover as after its death. */
void link_attach(struct dapp *a);
/* Queues a request line (without newline). Returns its sequence number, or
 * 0 when the app has no connected keeper. */
uint64_t link_send(struct dapp *a, const char *line);
/* Closes the connection and timers without killing anything. */
void link_detach(struct dapp *a);
/* The keeper process with this pid exited (SIGCHLD). */
void link_reaped(struct daemon *d, pid_t pid);
/* SIGKILLs the app's process group and keeper when they still exist. */
void link_kill_all(struct dapp *a);
/* 1 while a keeper is running, being connected to, or relaunched. */
int link_active(const struct dapp *a);
/* Tells the keeper to stop its app and exit (now, or once connected). */
void link_quit(struct dapp *a);
/* Tells the keeper to stop its app: returns the request's seq, or 0 when it
 * is sent once the keeper answers (want_stop) or nothing runs. */
uint64_t link_stop(struct dapp *a);

#endif
