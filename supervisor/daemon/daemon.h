/* The psup daemon: the control plane behind $PSUP_HOME/psup.sock. It loads
 * ecosystem files, runs one psup-keeper per app, re-attaches to live keepers
 * after a restart, and answers the CLI (supervisor/wire/PROTOCOL.md).
 *
 * Entry points for the CLI (supervisor/cli/psup_main.c):
 *
 *   psup daemon                 -> daemon_run(home, 1, &cause)
 *   psup daemon --background    -> daemon_run(home, 0, &cause)
 *
 * Auto-start: the CLI calls daemon_spawn(home, &cause) when it cannot connect
 * to the socket. daemon_spawn() forks, the child calls setsid() and forks
 * again, and the grandchild execs /proc/self/exe as
 * `psup daemon --background` (PSUP_HOME=home in its environment, stdin from
 * /dev/null, stdout/stderr appended to $PSUP_HOME/daemon.log). So the CLI
 * must route `daemon --background` to daemon_run(home, 0, ...).
 * Readiness: daemon_spawn() passes a pipe as fd 3 (PSUP_NOTIFY_FD=3); the
 * daemon writes "ready\n" once its socket listens and every app is
 * re-attached, or "error: CAUSE\n" when it cannot start, and closes it. The
 * variable is removed from the daemon's environment before any keeper
 * starts. */
#ifndef PSUP_DAEMON_H
#define PSUP_DAEMON_H

/* Runs the daemon for home (an absolute or relative path; it is created 0700
 * when missing and refused when it is not private) until `psup kill`,
 * SIGTERM or SIGINT. foreground: log to stderr and stay attached to the
 * terminal (`psup daemon`, for systemd and containers); otherwise the caller
 * has already detached (daemon_spawn). Keepers and apps outlive the daemon
 * on SIGTERM/SIGINT or a crash; only `psup kill` stops them.
 * Returns 0 on a clean exit, or -1 with *cause set (the caller frees), e.g.
 * when another daemon already runs for this home. */
int daemon_run(const char *home, int foreground, char **cause);

/* Starts a detached daemon for home and returns once its socket accepts
 * connections (or once another daemon that won a race for the same home
 * accepts). Bounded: gives up after about 10 seconds. Returns 0, or -1 with
 * *cause set (the daemon's own start-up error when it reported one). */
int daemon_spawn(const char *home, char **cause);

#endif
