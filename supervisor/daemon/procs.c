/* The processes of an app from the daemon's side. psup signals a recorded
 * pid only after proving it is still its own (procid.h): a pid reused by
 * another program after a reboot must never be hit, and what cannot be
 * proven for want of a descriptor is left alone, not taken for dead. */
#include "procs.h"
#include "apps.h"
#include "atomicfile.h"
#include "xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int procs_keeper(struct dapp *a, pid_t pid)
{
	if (pid <= 0)
		return PROCID_NO;
	/* our unreaped child: its pid cannot have been reused */
	if (a->keeper_child && pid == a->keeper_pid)
		return PROCID_YES;
	unsigned long long start = 0;
	if (a->have_state && a->st.keeper_pid == pid)
		start = a->st.keeper_start;
	return procid_keeper(pid, start, a->dir);
}

int procs_keeper_outdated(struct dapp *a)
{
	char exe[64];
	struct stat run, inst;
	snprintf(exe, sizeof exe, "/proc/%ld/exe", (long)a->keeper_pid);
	if (a->keeper_pid <= 0 || stat(exe, &run) < 0 || stat(a->d->keeper_path, &inst) < 0)
		return 0;
	return run.st_dev != inst.st_dev || run.st_ino != inst.st_ino;
}

pid_t procs_pidfile(struct dapp *a, int *unsure)
{
	char *path = xasprintf("%s/keeper.pid", a->dir);
	char *buf = NULL;
	pid_t pid = 0;
	if (atomicfile_read(path, 64, &buf, NULL, NULL) == 0)
		pid = (pid_t)strtol(buf, NULL, 10);
	else if (unsure && procid_short_errno(errno))
		*unsure = PROCID_UNSURE;
	free(buf);
	free(path);
	return pid > 0 ? pid : 0;
}

static void kill_group(struct dapp *a, pid_t pgid, unsigned long long start)
{
	if (pgid <= 1)
		return;
	char *name_env = xasprintf("PSUP_APP_NAME=%s", a->name);
	char *home_env = xasprintf("PSUP_HOME=%s", a->d->home);
	int r = procid_group(pgid, start, name_env, home_env);
	free(name_env);
	free(home_env);
	if (r == PROCID_YES) {
		dlog("%s: killing what is left of process group %ld", a->name, (long)pgid);
		kill(-pgid, SIGKILL);
	}
}

static void kill_keeper(struct dapp *a, pid_t pid)
{
	if (procs_keeper(a, pid) == PROCID_YES)
		kill(pid, SIGKILL);
}

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

/* The status file may be newer than the last push (the keeper died right
 * after spawning): take the group it names too, unless the home is lost
 * (its files may be another daemon's keeper's by now). */
void procs_kill_all(struct dapp *a)
{
	if (a->have_state)
		kill_group(a, a->st.pgid, a->st.pgid_start);
	if (a->d->home_lost) {
		kill_keeper(a, a->keeper_pid);
		return;
	}
	struct app_state fst;
	int have;
	procs_read_status(a, &fst, &have);
	if (have && (fst.pgid != a->st.pgid || !a->have_state))
		kill_group(a, fst.pgid, fst.pgid_start);
	kill_keeper(a, a->keeper_pid);
	pid_t filed = procs_pidfile(a, NULL);
	if (filed != a->keeper_pid)
		kill_keeper(a, filed);
}
