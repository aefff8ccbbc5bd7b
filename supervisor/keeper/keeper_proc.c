/* What the keeper learns about the app's processes from kill() and /proc:
 * whether its group still exists, which orphans were reparented to the
 * keeper (it is a child subreaper), and the group's memory. */
#include "keeper.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int keeper_proc_group_alive(pid_t pgid)
{
	if (pgid <= 0)
		return 0;
	return kill(-pgid, 0) == 0 || errno == EPERM;
}

int keeper_proc_has_children(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	/* WNOWAIT: look, do not reap (the SIGCHLD path reaps) */
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != ECHILD;
	return 1;
}

static ssize_t read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

/* Parses /proc/PID/stat: the fields after the command (which may hold
 * spaces and parentheses, so parse from the last ')'). */
static int stat_fields(pid_t pid, pid_t *ppid, pid_t *pgrp, long long *rss_pages)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, sizeof buf) <= 0)
		return -1;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	/* field 3 is state; then 4 ppid, 5 pgrp ... 24 rss */
	long long f[24];
	int i = 3;
	while (*p && i <= 24) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *end;
		f[i - 1] = strtoll(p, &end, 10);
		if (end == p) /* the state letter */
			while (*end && *end != ' ')
				end++;
		p = end;
		i++;
	}
	if (i <= 24)
		return -1;
	*ppid = (pid_t)f[3];
	*pgrp = (pid_t)f[4];
	*rss_pages = f[23];
	return 0;
}

/* Calls fn for every process in /proc. */
static void proc_each(void (*fn)(pid_t pid, pid_t ppid, pid_t pgrp, long long rss, void *arg),
    void *arg)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char *end;
		long v = strtol(de->d_name, &end, 10);
		if (*end || v <= 0)
			continue;
		pid_t ppid, pgrp;
		long long rss;
		if (stat_fields((pid_t)v, &ppid, &pgrp, &rss) == 0)
			fn((pid_t)v, ppid, pgrp, rss, arg);
	}
	closedir(d);
}

struct sig_arg {
	pid_t self, except_pgid;
	int sig;
};

static void signal_child_cb(pid_t pid, pid_t ppid, pid_t pgrp, long long rss, void *arg)
{
	struct sig_arg *a = arg;
	(void)rss;
	if (ppid != a->self)
		return;
	if (pgrp == a->except_pgid && a->except_pgid > 0)
		return; /* already signalled through its group */
	/* an orphan that made its own group: signal its whole group */
	if (pgrp == pid && pgrp != getpgrp())
		kill(-pgrp, a->sig);
	kill(pid, a->sig);
	if (a->sig != SIGKILL && a->sig != SIGCONT)
		kill(pid, SIGCONT);
}

void keeper_proc_signal_children(pid_t except_pgid, int sig)
{
	struct sig_arg a = { getpid(), except_pgid, sig };
	/* /proc/self/task/TID/children is cheaper, but needs a kernel option;
	 * a scan of /proc works everywhere and runs only on stop */
	proc_each(signal_child_cb, &a);
}

struct rss_arg {
	pid_t pgid;
	long long pages;
};

static void rss_cb(pid_t pid, pid_t ppid, pid_t pgrp, long long rss, void *arg)
{
	struct rss_arg *a = arg;
	(void)pid;
	(void)ppid;
	if (pgrp == a->pgid && rss > 0)
		a->pages += rss;
}

long long keeper_proc_group_rss(pid_t pgid)
{
	struct rss_arg a = { pgid, 0 };
	proc_each(rss_cb, &a);
	return a.pages * sysconf(_SC_PAGESIZE);
}
