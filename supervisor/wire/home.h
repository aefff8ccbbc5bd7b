/* $PSUP_HOME: where the daemon keeps its socket, pid, lock, specs and dump,
 * and the runtime directory where keepers keep their pid, status and
 * socket. Shared by the CLI (to find the socket) and the daemon (to create
 * it). */
#ifndef PSUP_HOME_H
#define PSUP_HOME_H

#include <sys/socket.h>
#include <sys/un.h>

/* The home directory to use: $PSUP_HOME when set and not empty, else
 * $HOME/.psup (from getpwuid when $HOME is unset). Returns a malloc'd path
 * the caller frees, or NULL with *cause set. The path is not checked. */
char *home_default(char **cause);

/* Creates home with mode 0700 when missing (and its missing parents, 0700,
 * as mkdir -p), then refuses it unless it is a directory owned by the
 * current user and not group- or world-writable. Also creates apps/ (0700).
 * Returns 0, or -1 with *cause set (the caller frees). */
int home_prepare(const char *home, char **cause);

/* Checks, without creating anything, that home exists, is a directory owned
 * by the current user and is not group/world-writable. 0 or -1 + *cause. */
int home_check(const char *home, char **cause);

/* Paths inside home; each is malloc'd and the caller frees it. */
char *home_sock_path(const char *home);     /* psup.sock */
char *home_pid_path(const char *home);      /* psup.pid */
char *home_lock_path(const char *home);     /* psup.lock (flock'd by the daemon) */
char *home_apps_path(const char *home);     /* apps */
/* apps/NAME, with '/' in NAME written %2F and '%' written %25 (pm2 allows
 * '/' in names; a folder per app keeps it one level deep). */
char *home_app_dir(const char *home, const char *name);
/* The app name an apps/ entry stands for (home_app_dir's escapes undone),
 * malloc'd. */
char *home_app_name(const char *entry);
char *home_dump_path(const char *home);     /* dump.json */
char *home_specs_path(const char *home);    /* specs: every app's spec (speclog.h) */
char *home_run_link_path(const char *home); /* run: a symlink to the runtime directory */
/* RUN/NAME: an app's runtime folder in the runtime directory run, escaped
 * as home_app_dir() does. */
char *home_run_app_dir(const char *run, const char *name);
char *home_daemon_log_path(const char *home); /* daemon.log */
char *home_keeper_log_path(const char *home); /* keeper.log */

/* The runtime directory of home: where each keeper keeps keeper.pid,
 * status and control.sock, in a folder of its app (home_run_app_dir()).
 * Every file made in $PSUP_HOME costs a disk journal entry, tmpfs none, and
 * starting an app makes several. It is the one home/run names when that is
 * a symlink to a usable directory (so a daemon started from another
 * environment finds the keepers of the last one), else a fresh one:
 * $XDG_RUNTIME_DIR/psup-HASH when that is set and ours, else
 * /dev/shm/psup-UID-HASH (HASH: of the home's path), made 0700 and refused
 * unless it is a directory (not a symlink) owned by us and private; home/run
 * is then made to point to it. PSUP_RUNDIR=off in the environment keeps the
 * runtime files in each app's folder of the home (as psup did before).
 * Returns the malloc'd path, or NULL with *cause set (the caller frees and
 * says it) when there is none: the runtime files stay in the home. */
char *home_run_open(const char *home, char **cause);

/* Removes the runtime directory dir (home/run's target when dir is NULL)
 * if it is empty, and home/run with it. Only while holding the home's lock
 * (a daemon opens them under it). */
void home_run_close(const char *home, const char *dir);

/* Fills a sockaddr_un for path. A path longer than sun_path is reached
 * through /proc/self/fd/N/BASENAME with *dirfd set to an O_PATH descriptor
 * of its directory that the caller closes after bind/connect (else *dirfd is
 * -1). Returns 0, or -1 with *cause set. */
int home_sockaddr(const char *path, struct sockaddr_un *sa, socklen_t *len,
    int *dirfd, char **cause);

/* How long a connect (a full queue) or a send on a home_connect() socket
 * may block before it fails with EAGAIN. */
#define HOME_SEND_TIMEOUT_MS 10000

/* Connects a blocking SOCK_STREAM (O_CLOEXEC) to the Unix socket at path,
 * with sends and the connect itself bounded by HOME_SEND_TIMEOUT_MS.
 * Returns the fd, or -1 with errno kept and *cause set. */
int home_connect(const char *path, char **cause);

#endif
