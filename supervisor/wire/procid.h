/* Proving that a recorded pid is still the process psup recorded (procid.c).
 * Pids are recycled (after a reboot, a container restart, or a wrap): psup
 * signals a pid or a process group only when it is proven its own. A
 * process is named by its pid and its start time (field 22 of
 * /proc/PID/stat, clock ticks after boot), which no later process of that
 * pid can share. Libc only: the keeper, the daemon and the CLI use it. */
#ifndef PSUP_PROCID_H
#define PSUP_PROCID_H

#include <sys/types.h>

/* The answers: proven ours, proven not ours (or gone), or cannot tell for
 * want of a resource (EMFILE, ENFILE, ENOMEM reading /proc): the caller
 * neither acts nor concludes anything, and asks again later. */
enum procid_answer { PROCID_NO = 0, PROCID_YES = 1, PROCID_UNSURE = -1 };

/* The start time of pid (a zombie too: a parent reads its child's before
 * reaping it) into *start. Returns PROCID_YES, PROCID_NO when it is gone,
 * or PROCID_UNSURE. */
int procid_start(pid_t pid, unsigned long long *start);

/* pid is a live psup keeper of appdir (its working directory is appdir and
 * it runs psup-keeper), started at start when start is not 0. */
int procid_keeper(pid_t pid, unsigned long long start, const char *appdir);

/* Process group pgid is still the app's group whose leader started at
 * start: the leader lives with that start time, or, when the leader is
 * gone but the group lives on, a member started no earlier and carries
 * name_env ("PSUP_APP_NAME=NAME") and, when not NULL, home_env
 * ("PSUP_HOME=DIR") in its environment. start 0 (not recorded) is never
 * proof. */
int procid_group(pid_t pgid, unsigned long long start, const char *name_env,
    const char *home_env);

/* 1 when errno says a resource ran short: the answer is "cannot tell". */
int procid_short_errno(int e);

#endif
