/* The keeper's control protocol, spoken over control.sock in the app's
 * runtime folder (home.h; $PSUP_HOME/apps/<name> in homes without a runtime
 * directory), a SOCK_STREAM Unix socket, mode 0600, peer uid checked.
 *
 * Readiness: a keeper whose environment names KEEPERCTL_READY_ENV=N writes
 * one byte to descriptor N and closes it once its socket listens (then
 * removes the variable, so its app does not inherit it): the daemon that
 * launched it connects then, without polling.
 *
 * Requests, one line each:   start | stop | restart | signal <signo> |
 *                            flush | reopen | reload | quit | status
 *   reopen: close and reopen the log files (after logrotate moved them).
 *   quit: stop the app (stop_signal, then SIGKILL after kill_timeout) and
 *         exit the keeper once the process group is gone.
 *   reload: re-read the spec file; applies from the next start.
 * Replies, one line each, in request order: "ok" or "err <reason>".
 * Pushed at any time, and once right after a client connects:
 *   "status <appstate_pack() line>" whenever the state changes.
 * Lines are at most KEEPERCTL_LINE_MAX bytes. */
#ifndef PSUP_KEEPERCTL_H
#define PSUP_KEEPERCTL_H

#define KEEPERCTL_LINE_MAX 4096
#define KEEPERCTL_READY_ENV "PSUP_KEEPER_READY_FD"

#endif
