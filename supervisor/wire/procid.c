/* Proving a recorded pid is still ours: its start time from /proc/PID/stat,
 * for a keeper its working directory (the app's directory), for a group
 * whose leader is gone the environment of a member. Every failure to read
 * for want of a resource is "cannot tell", never "gone". */
#include "procid.h"
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int procid_short_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS || e == EAGAIN;
}

static int answer_errno(void)
{
	return procid_short_errno(errno) ? PROCID_UNSURE : PROCID_NO;
}

/* The stat line of pid, or why not. */
static int stat_read(pid_t pid, struct procfs_stat *s)
{
	if (pid <= 0)
		return PROCID_NO;
	return procfs_stat_read(pid, s) < 0 ? answer_errno() : PROCID_YES;
}

/* stat_read() of a process that still runs (not a zombie). */
static int stat_live(pid_t pid, struct procfs_stat *s)
{
	int r = stat_read(pid, s);
	if (r == PROCID_YES && procfs_state_dead(s->state))
		return PROCID_NO;
	return r;
}

int procid_start(pid_t pid, unsigned long long *start)
{
	struct procfs_stat s;
	int r = stat_read(pid, &s);
	if (r == PROCID_YES)
		*start = (unsigned long long)s.starttime;
	return r;
}

/* The keeper names itself "psup: keep NAME" (comm "keep NAME"); before
 * that, and under a wrapper such as valgrind, its command line names the
 * psup-keeper program. */
static int runs_keeper(pid_t pid, const char *comm)
{
	if (strcmp(comm, "psup-keeper") == 0 || strncmp(comm, "keep ", 5) == 0)
		return PROCID_YES;
	char buf[4096];
	ssize_t n = procfs_read(pid, "cmdline", buf, sizeof buf);
	if (n < 0)
		return answer_errno();
	if (strncmp(buf, "psup: keep ", 11) == 0)
		return PROCID_YES;
	for (char *a = buf; a < buf + n; a += strlen(a) + 1) {
		const char *base = strrchr(a, '/');
		if (strcmp(base ? base + 1 : a, "psup-keeper") == 0)
			return PROCID_YES;
	}
	return PROCID_NO;
}

int procid_keeper(pid_t pid, unsigned long long start, const char *appdir)
{
	struct procfs_stat s;
	int r = stat_live(pid, &s);
	if (r != PROCID_YES)
		return r;
	if (start && (unsigned long long)s.starttime != start)
		return PROCID_NO;
	if ((r = runs_keeper(pid, s.comm)) != PROCID_YES)
		return r;
	/* a keeper lives in its app's directory: another home's keeper, or a
	 * stranger titled like one, does not */
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/cwd", (long)pid);
	struct stat cwd, dir;
	if (stat(path, &cwd) < 0 || stat(appdir, &dir) < 0)
		return answer_errno();
	return cwd.st_dev == dir.st_dev && cwd.st_ino == dir.st_ino ? PROCID_YES : PROCID_NO;
}

/* 1 when the environment of pid holds every non-NULL entry of want[2]. */
static int environ_has(pid_t pid, const char *const want[2])
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return answer_errno();
	/* NUL-separated entries, carried across reads; longer ones cannot match */
	char buf[4096], entry[1024];
	size_t el = 0;
	int found[2] = { !want[0], !want[1] }, overflow = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != '\0') {
				if (el < sizeof entry - 1)
					entry[el++] = buf[i];
				else
					overflow = 1;
				continue;
			}
			entry[el] = '\0';
			for (int w = 0; w < 2; w++)
				if (!overflow && want[w] && strcmp(entry, want[w]) == 0)
					found[w] = 1;
			el = 0;
			overflow = 0;
		}
	}
	close(fd);
	return found[0] && found[1] ? PROCID_YES : PROCID_NO;
}

/* The leader is gone: look for a member of the group. A rare path (a
 * keeper died after its app's leader but before the rest of the group),
 * so one pass over /proc is affordable. */
static int group_members_ours(pid_t pgid, unsigned long long start, const char *const want[2])
{
	DIR *d = opendir("/proc");
	if (!d)
		return answer_errno();
	int ans = PROCID_NO;
	struct dirent *de;
	while (ans == PROCID_NO && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		struct procfs_stat s;
		int r = stat_live(pid, &s);
		if (r == PROCID_UNSURE)
			ans = PROCID_UNSURE;
		if (r != PROCID_YES || s.pgrp != pgid)
			continue;
		/* a member older than the recorded leader is a stranger's */
		if ((unsigned long long)s.starttime < start)
			break;
		ans = environ_has(pid, want);
	}
	closedir(d);
	return ans;
}

int procid_group(pid_t pgid, unsigned long long start, const char *name_env,
    const char *home_env)
{
	if (pgid <= 1 || !start)
		return PROCID_NO;
	struct procfs_stat s;
	int r = stat_live(pgid, &s);
	if (r == PROCID_YES)
		return (unsigned long long)s.starttime == start && s.pgrp == pgid ? PROCID_YES : PROCID_NO;
	if (r == PROCID_UNSURE)
		return r;
	if (kill(-pgid, 0) < 0 && errno != EPERM)
		return PROCID_NO;
	const char *const want[2] = { name_env, home_env };
	return group_members_ours(pgid, start, want);
}
