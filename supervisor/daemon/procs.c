/* The processes of an app from the daemon's side. psup signals a recorded
 * pid only after proving it is still its own (a pid reused by another
 * program after a reboot must never be hit): a keeper is recognised by its
 * name, an app by the process group its status names. */
#include "procs.h"
#include "apps.h"
#include "atomicfile.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 when pid is a live (not zombie) psup keeper. A pid that was reused by
 * another program does not count. */
int procs_keeper_alive(pid_t pid)
{
	if (pid <= 0)
		return 0;
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	if (!rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X')
		return 0;
	/* comm: "psup-keeper" until it names itself "keep NAME" */
	char *lp = strchr(buf, '(');
	if (lp && ((rp - lp - 1 == 11 && strncmp(lp + 1, "psup-keeper", 11) == 0) ||
	    strncmp(lp + 1, "keep ", 5) == 0))
		return 1;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 11 && strncmp(buf, "psup: keep ", 11) == 0;
}

static int group_exists(pid_t pgid)
{
	return pgid > 1 && (kill(-pgid, 0) == 0 || errno == EPERM);
}

static void kill_group(struct dapp *a, pid_t pgid)
{
	if (pgid > 1 && group_exists(pgid)) {
		dlog("%s: killing what is left of process group %ld", a->name, (long)pgid);
		kill(-pgid, SIGKILL);
	}
}

/* The status file may be newer than the last push (the keeper died right
 * after spawning): take the group it names too. */
void procs_read_status(struct dapp *a, struct app_state *st, int *have)
{
	char *path = xasprintf("%s/status", a->dir);
	char *buf = NULL;
	size_t len = 0;
	*have = 0;
	if (atomicfile_read(path, 64 * 1024, &buf, &len, NULL) == 0) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		memset(st, 0, sizeof *st);
		if (appstate_unpack(buf, len, st) == 0)
			*have = 1;
	}
	free(buf);
	free(path);
}

void procs_kill_all(struct dapp *a)
{
	if (a->have_state)
		kill_group(a, a->st.pgid ? a->st.pgid : a->st.pid);
	struct app_state fst;
	int have;
	procs_read_status(a, &fst, &have);
	if (have && fst.pgid != a->st.pgid)
		kill_group(a, fst.pgid);
	if (procs_keeper_alive(a->keeper_pid))
		kill(a->keeper_pid, SIGKILL);
}
